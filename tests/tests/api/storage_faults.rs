//! Faults of the storage answered as what they are: never a 500, nothing half-written, `/ready`
//! saying so while it lasts and mending by itself after.

use std::io::Write;
use std::path::PathBuf;
use std::process::Command;

use serde_json::json;

use crate::support::{TestApp, TestDb, run_cli};

/// A small filesystem on a fresh directory, unmounted when dropped: a tmpfs, or ext4 in an
/// image on a loop device (ext4 refuses writes through descriptors already open on a file made
/// immutable, as a filesystem remounted read-only after errors does; tmpfs checks only at open).
pub(crate) struct SmallDisk {
    pub(crate) dir: PathBuf,
    image: Option<PathBuf>,
}

impl SmallDisk {
    pub(crate) fn tmpfs(megabytes: u32) -> Option<SmallDisk> {
        SmallDisk::mount(&["-t", "tmpfs", "-o", &format!("size={megabytes}m"), "tmpfs"], None)
    }

    fn ext4(megabytes: u64) -> Option<SmallDisk> {
        let image = std::env::temp_dir().join(format!("inlav-ext4-{}.img", uuid::Uuid::now_v7().simple()));
        let made = std::fs::File::create(&image)
            .and_then(|file| file.set_len(megabytes * 1024 * 1024))
            .map_err(|err| err.to_string())
            .and_then(|()| run("mkfs.ext4", &["-q", "-F", &image.to_string_lossy()]));
        if let Err(why) = made {
            eprintln!("SKIPPED: this test needs an ext4 image (mkfs.ext4): {why}");
            let _ = std::fs::remove_file(&image);
            return None;
        }
        let image_path = image.to_string_lossy().to_string();
        SmallDisk::mount(&["-o", "loop", &image_path], Some(image))
    }

    /// Mounts it, or says why it cannot (mounting needs root: CI runs as root) and answers `None`.
    fn mount(args: &[&str], image: Option<PathBuf>) -> Option<SmallDisk> {
        let dir = std::env::temp_dir().join(format!("inlav-small-disk-{}", uuid::Uuid::now_v7().simple()));
        std::fs::create_dir_all(&dir).ok()?;
        match run("mount", &[args, &[&dir.to_string_lossy()]].concat()) {
            Ok(()) => Some(SmallDisk { dir, image }),
            Err(why) => {
                eprintln!("SKIPPED: this test needs to mount a filesystem (root): {why}");
                let _ = std::fs::remove_dir(&dir);
                if let Some(image) = image {
                    let _ = std::fs::remove_file(image);
                }
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
        if let Some(image) = &self.image {
            let _ = std::fs::remove_file(image);
        }
    }
}

/// Runs a system command; its error output when it fails.
fn run(program: &str, args: &[&str]) -> Result<(), String> {
    match Command::new(program).args(args).output() {
        Ok(out) if out.status.success() => Ok(()),
        Ok(out) => Err(String::from_utf8_lossy(&out.stderr).trim().to_string()),
        Err(err) => Err(format!("{program}: {err}")),
    }
}

#[actix_web::test]
async fn a_full_disk_refuses_writes_as_storage_full_and_mends_by_itself() {
    let Some(disk) = SmallDisk::tmpfs(16) else { return };
    let app = TestApp::on(TestDb::sqlite_in(disk.dir.join("data"))).await;
    creates_fill_the_disk_then_work_again(&app, &disk, 384).await;
}

/// Fills `disk` (which holds `app`'s database) until `keep_kib` are left, then creates until
/// one is refused: each stored, or refused as `storage_full` and nothing else, `/ready` 503
/// meanwhile. Once the disk is freed the refused request's key works for it, `/ready` is 200
/// again, every acknowledged create is there and the audit chain holds.
pub(crate) async fn creates_fill_the_disk_then_work_again(app: &TestApp, disk: &SmallDisk, keep_kib: u64) {
    let team = app.team().await;
    let worker = &team.case_worker.access_token;
    let ballast = disk.fill_leaving(keep_kib);

    // Creates until five in a row are refused: each either stored (201) or refused as
    // storage_full. (After a first refusal a create may still fit in room the database had left
    // inside its pages; PostgreSQL's often does.)
    let mut stored = Vec::new();
    let mut refused_key = None;
    let mut refused_in_a_row = 0;
    for i in 0..5000 {
        let key = format!("full-disk-{i}");
        let reply = app
            .post("/api/v1/beneficiaries")
            .token(worker)
            .header("Idempotency-Key", &key)
            .json(&json!({"alias": format!("Person {i}"), "municipality": "x".repeat(100)}))
            .send()
            .await;
        if reply.status == 201 {
            stored.push(reply.str("id").to_string());
            refused_in_a_row = 0;
            continue;
        }
        assert_eq!(reply.problem(503)["code"], "storage_full", "{}", reply.body);
        assert_eq!(reply.header("retry-after"), Some("30"));
        refused_key = Some(key);
        refused_in_a_row += 1;
        if refused_in_a_row == 5 {
            break;
        }
    }
    assert_eq!(refused_in_a_row, 5, "the disk filled up within 5000 creates");
    let refused_key = refused_key.unwrap_or_default();
    assert!(!stored.is_empty(), "some creates were stored before the disk filled");
    let ready = app.get("/ready").send().await;
    assert_eq!(ready.problem(503)["code"], "storage_full", "{}", ready.body);

    // Space freed: /ready mends itself before any request writes (its probe write succeeds: a
    // load balancer sends no requests to an instance that answers 503), and the refused
    // request's key works for its request.
    std::fs::remove_file(&ballast).expect("free the disk");
    assert_eq!(app.get("/ready").send().await.status, 200);
    let again = app
        .post("/api/v1/beneficiaries")
        .token(worker)
        .header("Idempotency-Key", &refused_key)
        .json(&json!({"alias": "Person again", "municipality": "x".repeat(100)}))
        .send()
        .await;
    assert_eq!(again.status, 201, "{}", again.body);
    assert_eq!(again.header("idempotent-replayed"), None, "the refusal was not kept as the key's answer");
    stored.push(again.str("id").to_string());

    // The same load again: as many creates as were stored before the disk filled, all stored.
    for i in 0..stored.len() {
        let reply = app
            .post("/api/v1/beneficiaries")
            .token(worker)
            .json(&json!({"alias": format!("Person after {i}"), "municipality": "x".repeat(100)}))
            .send()
            .await;
        assert_eq!(reply.status, 201, "after space returned, create {i}: {}", reply.body);
        stored.push(reply.str("id").to_string());
    }
    every_acknowledged_write_is_there(app, worker, &stored).await;
}

/// The database's files made immutable on ext4, which refuses writes through descriptors already
/// open (as a filesystem the kernel remounted read-only does): SQLite's connections opened
/// before meet a "disk I/O error", those opened after a read-only database.
#[actix_web::test]
async fn a_database_made_read_only_on_ext4_under_load_serves_reads_refuses_writes_and_mends() {
    let Some(disk) = SmallDisk::ext4(64) else { return };
    made_read_only_under_load(disk).await;
}

/// The database's files made immutable on tmpfs, which checks only when a file is opened (as
/// permissions do): SQLite's connections opened before could go on writing, those opened after
/// could not. The service asks before each write, so every connection answers alike.
#[actix_web::test]
async fn a_database_made_read_only_on_tmpfs_under_load_serves_reads_refuses_writes_and_mends() {
    let Some(disk) = SmallDisk::tmpfs(64) else { return };
    made_read_only_under_load(disk).await;
}

/// The database's files made read-only while creates and reads run: reads that write nothing
/// answer, every create is either stored or refused as `read_only`, `/ready` says so, and once
/// writable again it mends by itself and writes work, without a restart; a service started on
/// the read-only files says so from its first `/ready`.
async fn made_read_only_under_load(disk: SmallDisk) {
    let data = disk.dir.join("data");
    let app = TestApp::on(TestDb::sqlite_in(data.clone())).await;
    let team = app.team().await;
    let worker = &team.case_worker.access_token;
    let files: Vec<String> =
        ["inlav.db", "inlav.db-wal"].iter().map(|name| data.join(name).to_string_lossy().to_string()).collect();
    // The write-ahead log is gone once the last connection closed (SQLite removes it then).
    let chattr = |flag: &str| {
        let present = files.iter().filter(|file| std::path::Path::new(file).exists()).map(String::as_str);
        let args: Vec<&str> = std::iter::once(flag).chain(present).collect();
        run("chattr", &args).unwrap_or_else(|why| panic!("chattr {flag}: {why}"));
    };
    let create = |n: usize| {
        app.post("/api/v1/beneficiaries").token(worker).json(&json!({"alias": format!("Person {n}")})).send()
    };
    let reads = ["/api/v1/vocabularies", "/api/v1/districts"];

    // Rounds of four creates and four reads at once; read-only from round 4 to round 12.
    let (read_only_from, writable_from) = (4, 12);
    let mut stored = Vec::new();
    let mut refused = 0;
    for round in 0..20 {
        if round == read_only_from {
            chattr("+i");
        }
        if round == writable_from {
            chattr("-i");
            // /ready mends by itself, with no request writing: its probe drops each connection
            // opened read-only meanwhile, a pool's worth at most.
            assert_eq!(ready_within(&app, 10).await, 200, "/ready mends once writable");
        }
        let creates = futures_util::future::join_all((0..4).map(|k| create(round * 4 + k)));
        let looks =
            futures_util::future::join_all((0..4).map(|k| app.get(reads[k % reads.len()]).token(worker).send()));
        let (creates, looks) = futures_util::future::join(creates, looks).await;
        for look in looks {
            assert_eq!(look.status, 200, "round {round}: {}", look.body);
        }
        for reply in creates {
            match reply.status {
                201 => {
                    assert!(!(read_only_from..writable_from).contains(&round), "stored while read-only");
                    stored.push(reply.str("id").to_string());
                }
                _ => {
                    assert_eq!(reply.problem(503)["code"], "read_only", "round {round}: {}", reply.body);
                    assert_eq!(reply.header("retry-after"), Some("30"));
                    refused += 1;
                }
            }
        }
        if round == writable_from - 1 {
            assert_eq!(app.get("/ready").send().await.problem(503)["code"], "read_only");
        }
    }
    // Every create while read-only was refused (a 201 then fails above); after it, each
    // connection opened read-only is dropped at its first refusal: a pool's worth at most.
    let while_read_only = 4 * (writable_from - read_only_from);
    assert!(refused <= while_read_only + 8, "writes work again soon after: {refused} refused");
    assert_eq!(app.get("/ready").send().await.status, 200);
    every_acknowledged_write_is_there(&app, worker, &stored).await;

    // Started on files that are read-only already: /ready says so from the start, before any
    // request tried to write, and mends by itself once they are writable.
    let kept = app.into_db();
    // The pool's connections close on their threads; the last one removes the write-ahead log.
    let wal = data.join("inlav.db-wal");
    for _ in 0..100 {
        if !wal.exists() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    chattr("+i");
    let app = TestApp::without_login_on(kept).await;
    assert_eq!(app.get("/ready").send().await.problem(503)["code"], "read_only");
    assert_eq!(app.get("/api/v1/vocabularies").token(worker).send().await.status, 200, "reads work");
    chattr("-i");
    assert_eq!(ready_within(&app, 10).await, 200, "/ready mends once writable");
}

/// `/ready`'s status once it is 200, or after `attempts` tries.
pub(crate) async fn ready_within(app: &TestApp, attempts: usize) -> u16 {
    let mut status = 0;
    for _ in 0..attempts {
        status = app.get("/ready").send().await.status;
        if status == 200 {
            break;
        }
    }
    status
}

/// Every person whose create was acknowledged reads back, and the audit chain holds.
async fn every_acknowledged_write_is_there(app: &TestApp, token: &str, stored: &[String]) {
    for id in stored {
        let read = app.get(&format!("/api/v1/beneficiaries/{id}")).token(token).send().await;
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
    let kept = app.into_db();

    let check = |env: &std::collections::HashMap<String, String>| {
        let env = env.clone();
        std::thread::spawn(move || run_cli(&["check"], &env, "")).join().unwrap()
    };
    let (code, out, err) = check(&env);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("is sound"), "{out}");

    // Garbage over the page of the newest people (the first a list of them reads), the file's
    // header and schema left alone.
    let file = dir.join("inlav.db");
    let (page, page_size) = newest_leaf_page(&file, "beneficiaries");
    {
        use std::io::{Seek, SeekFrom};
        let mut damaged = std::fs::OpenOptions::new().write(true).open(&file).expect("open the file");
        damaged.seek(SeekFrom::Start((page - 1) * page_size)).expect("seek");
        damaged.write_all(&vec![0xa5_u8; page_size as usize]).expect("damage");
        damaged.sync_all().expect("sync");
    }
    let (code, out, err) = check(&env);
    assert_eq!(code, 1, "{out}{err}");
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(err.contains("damaged") || err.contains("malformed"), "{err}");

    // The service on the damaged file: reading the damaged rows answers storage_error, not 500.
    let app = TestApp::on(kept).await;
    let token = app.login(&team.case_worker.email, crate::support::PASSWORD).await.access_token;
    let list = app.get("/api/v1/beneficiaries?limit=200").token(&token).send().await;
    assert_eq!(list.problem(503)["code"], "storage_error", "{}", list.body);
    assert_eq!(list.header("retry-after"), Some("60"));
    assert_eq!(app.get("/ready").send().await.problem(503)["code"], "storage_error");
    let _kept = app.into_db();

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

/// The last leaf page of `table` in the SQLite file, and the page size, as SQLite's `dbstat`
/// tells them.
fn newest_leaf_page(file: &std::path::Path, table: &str) -> (u64, u64) {
    use diesel::connection::SimpleConnection;
    use diesel::{Connection, RunQueryDsl, sql_types::BigInt};
    #[derive(diesel::QueryableByName)]
    struct Page {
        #[diesel(sql_type = BigInt)]
        page: i64,
        #[diesel(sql_type = BigInt)]
        size: i64,
    }
    let mut conn = diesel::SqliteConnection::establish(&file.to_string_lossy()).expect("open the file");
    // The service's connections may still be closing (the last one checkpoints).
    conn.batch_execute("PRAGMA busy_timeout = 5000").expect("busy timeout");
    let found: Page = diesel::sql_query(
        "SELECT max(pageno) AS page, (SELECT page_size FROM pragma_page_size) AS size FROM dbstat \
         WHERE name = ? AND pagetype = 'leaf'",
    )
    .bind::<diesel::sql_types::Text, _>(table)
    .get_result(&mut conn)
    .expect("dbstat");
    (found.page as u64, found.size as u64)
}
