//! The change stamp: what the runtime lists poll to notice that an instance or task changed.

use std::sync::atomic::{AtomicI64, Ordering};

/// The change stamp of the latest write: increasing, unique within this process, close to
/// the wall clock in microseconds so that several server processes agree well enough.
static LAST_STAMP: AtomicI64 = AtomicI64::new(0);

pub(crate) fn next_stamp() -> i64 {
    let now =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_micros() as i64).unwrap_or(0);
    let mut last = LAST_STAMP.load(Ordering::SeqCst);
    loop {
        let next = now.max(last + 1);
        match LAST_STAMP.compare_exchange(last, next, Ordering::SeqCst, Ordering::SeqCst) {
            Ok(_) => return next,
            Err(seen) => last = seen,
        }
    }
}
