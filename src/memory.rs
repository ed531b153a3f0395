//! Keeping the resident memory close to what the dashboard holds.
//!
//! glibc's malloc gives threads arenas of their own (up to eight per core) and keeps freed
//! memory in each. The search thread, its scan threads and the indexing thread free tens of
//! megabytes of temporaries per search over a million rows, so with one arena per thread the
//! process kept about 30 MB more than it holds (419 MB instead of 389 MB with 1,000,000 rows
//! loaded, `examples/bench_startup.rs`). Two arenas keep that close to the single-arena figure
//! while the UI and the search thread seldom wait on each other's allocations.

/// Caps malloc at two arenas (glibc on Linux; elsewhere nothing to do). Call first thing in
/// `main`, before other threads start.
pub fn cap_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `mallopt` only sets an allocator parameter; it is called before other threads
    // exist, and a refused value leaves the default in place.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}
