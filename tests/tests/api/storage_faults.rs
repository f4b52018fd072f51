//! Faults of the storage answered as what they are: never a 500, nothing half-written, `/ready`
//! saying so while it lasts and mending by itself after.

use std::io::Write;
use std::path::PathBuf;
use std::process::Command;

use serde_json::json;

use crate::support::{TestApp, TestDb, run_cli};

/// A tmpfs of a few megabytes on a fresh directory, unmounted when dropped.
struct SmallDisk {
    dir: PathBuf,
}

impl SmallDisk {
    /// Mounts it, or says why it cannot (mounting needs root: CI runs as root) and answers `None`.
    fn mount(megabytes: u32) -> Option<SmallDisk> {
        let dir = std::env::temp_dir().join(format!("inlav-small-disk-{}", uuid::Uuid::now_v7().simple()));
        std::fs::create_dir_all(&dir).ok()?;
        let size = format!("size={megabytes}m");
        let mounted = Command::new("mount").args(["-t", "tmpfs", "-o", &size, "tmpfs"]).arg(&dir).output();
        match mounted {
            Ok(out) if out.status.success() => Some(SmallDisk { dir }),
            outcome => {
                let why = match outcome {
                    Ok(out) => String::from_utf8_lossy(&out.stderr).trim().to_string(),
                    Err(err) => err.to_string(),
                };
                eprintln!("SKIPPED: the full-disk test needs to mount a tmpfs (root): {why}");
                let _ = std::fs::remove_dir(&dir);
                None
            }
        }
    }

    /// Fills the disk with a ballast file, then frees `keep_kib` of it: what the service may
    /// still write.
    fn fill_leaving(&self, keep_kib: u64) -> PathBuf {
        let path = self.dir.join("ballast");
        let mut ballast = std::fs::File::create(&path).expect("ballast");
        let chunk = vec![0x5a_u8; 64 * 1024];
        while ballast.write_all(&chunk).and_then(|()| ballast.sync_data()).is_ok() {}
        let written = ballast.metadata().map(|m| m.len()).unwrap_or(0);
        ballast.set_len(written.saturating_sub(keep_kib * 1024)).expect("shrink the ballast");
        path
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.dir).status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[actix_web::test]
async fn a_full_disk_refuses_writes_as_storage_full_and_mends_by_itself() {
    let Some(disk) = SmallDisk::mount(16) else { return };
    let app = TestApp::on(TestDb::sqlite_in(disk.dir.join("data"))).await;
    let team = app.team().await;
    let worker = &team.case_worker.access_token;
    let ballast = disk.fill_leaving(384);

    // Creates until the disk is full: each either stored (201) or refused as storage_full.
    let mut stored = Vec::new();
    let mut refused_key = None;
    for i in 0..5000 {
        let key = format!("full-disk-{i}");
        let reply = app
            .post("/api/v1/beneficiaries")
            .token(worker)
            .header("Idempotency-Key", &key)
            .json(&json!({"alias": format!("Person {i}"), "municipality": "x".repeat(100)}))
            .send()
            .await;
        match reply.status {
            201 => stored.push(reply.str("id").to_string()),
            _ => {
                assert_eq!(reply.problem(503)["code"], "storage_full", "{}", reply.body);
                assert_eq!(reply.header("retry-after"), Some("30"));
                refused_key = Some(key);
                break;
            }
        }
    }
    let refused_key = refused_key.expect("the disk filled up within 5000 creates");
    assert!(!stored.is_empty(), "some creates were stored before the disk filled");
    for _ in 0..5 {
        let reply = app.post("/api/v1/beneficiaries").token(worker).json(&json!({"alias": "More"})).send().await;
        assert_eq!(reply.problem(503)["code"], "storage_full");
    }
    let ready = app.get("/ready").send().await;
    assert_eq!(ready.problem(503)["code"], "storage_full", "{}", ready.body);

    // Space freed: the refused request's key works for its request, and /ready mends itself.
    std::fs::remove_file(&ballast).expect("free the disk");
    let again = app
        .post("/api/v1/beneficiaries")
        .token(worker)
        .header("Idempotency-Key", &refused_key)
        .json(&json!({"alias": "Person again", "municipality": "x".repeat(100)}))
        .send()
        .await;
    assert_eq!(again.status, 201, "{}", again.body);
    assert_eq!(again.header("idempotent-replayed"), None, "the refusal was not kept as the key's answer");
    assert_eq!(app.get("/ready").send().await.status, 200);

    // Every acknowledged write is there, and the audit chain holds.
    for id in &stored {
        let read = app.get(&format!("/api/v1/beneficiaries/{id}")).token(worker).send().await;
        assert_eq!(read.status, 200, "{id}: {}", read.body);
    }
    let env = app.env();
    let (code, out, err) = std::thread::spawn(move || run_cli(&["audit", "verify"], &env, "")).join().unwrap();
    assert_eq!(code, 0, "{out}{err}");
}

#[actix_web::test]
async fn inlav_check_finds_a_damaged_page_and_a_file_that_is_not_a_database_is_refused_in_one_line() {
    let dir = std::env::temp_dir().join(format!("inlav-check-{}", uuid::Uuid::now_v7().simple()));
    let app = TestApp::on(TestDb::sqlite_in(dir.clone())).await;
    let team = app.team().await;
    for i in 0..300 {
        let body = json!({"alias": format!("Person {i}"), "municipality": "m".repeat(100)});
        let reply = app.post("/api/v1/beneficiaries").token(&team.case_worker.access_token).json(&body).send().await;
        assert_eq!(reply.status, 201, "{}", reply.body);
    }
    app.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)").await;
    let env = app.env();
    let _kept = app.into_db();

    let check = |env: &std::collections::HashMap<String, String>| {
        let env = env.clone();
        std::thread::spawn(move || run_cli(&["check"], &env, "")).join().unwrap()
    };
    let (code, out, err) = check(&env);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("is sound"), "{out}");

    // Garbage over one page of the newest rows, the file's header and schema left alone.
    let file = dir.join("inlav.db");
    let length = std::fs::metadata(&file).expect("the database file").len();
    {
        use std::io::{Seek, SeekFrom};
        let mut damaged = std::fs::OpenOptions::new().write(true).open(&file).expect("open the file");
        damaged.seek(SeekFrom::Start(length - 2 * 4096)).expect("seek");
        damaged.write_all(&[0xa5_u8; 4096]).expect("damage");
        damaged.sync_all().expect("sync");
    }
    let (code, out, err) = check(&env);
    assert_eq!(code, 1, "{out}{err}");
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(err.contains("damaged") || err.contains("malformed"), "{err}");

    // A file that is not a database: every command, the service first, says so in one line.
    std::fs::write(&file, vec![0x42_u8; 64 * 1024]).expect("overwrite");
    let _ = std::fs::remove_file(dir.join("inlav.db-wal"));
    let _ = std::fs::remove_file(dir.join("inlav.db-shm"));
    for command in ["serve", "migrate", "check"] {
        let env = env.clone();
        let (code, out, err) = std::thread::spawn(move || run_cli(&[command], &env, "")).join().unwrap();
        assert_eq!(code, 1, "{command}: {out}{err}");
        assert_eq!(err.lines().count(), 1, "{command}: one line: {err}");
        assert!(err.contains("file is not a database"), "{command}: {err}");
    }
}
