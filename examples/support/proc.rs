//! Memory figures of the benchmark process itself, from `/proc/self/status` (Linux).

/// The value of `key` (`"VmRSS:"`, `"VmHWM:"`, …) in MB; NaN where `/proc` cannot tell.
pub fn status_mb(key: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with(key)).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|kb| kb.parse::<f64>().ok())
            })
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}
