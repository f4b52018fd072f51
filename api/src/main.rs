fn main() -> std::process::ExitCode {
    limit_malloc_arenas();
    api::cli::main()
}

/// glibc gives each thread that allocates its own arena (up to eight per core), and memory
/// freed in one arena is not reused by another: under load the resident size grows with the
/// number of threads rather than with the work. Two arenas keep it near the working set.
/// Blocks of 4 MiB and more (a password hash takes 19 MiB) are always mapped and unmapped on
/// their own: by default glibc raises that threshold after the first such free, and every later
/// hash stays in the heap, resident for good. Must run before any thread starts.
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator parameters; it is called before any other thread
    // exists, so no allocation races with it.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
        libc::mallopt(libc::M_MMAP_THRESHOLD, 4 << 20);
    }
}
