//! A counting global allocator for tests and benchmarks.
//!
//! The project promises zero heap allocations on its per-packet hot paths. This crate is how
//! that promise is checked: a test binary installs [`CountingAllocator`] as its global
//! allocator and wraps the code under test in [`count`].
//!
//! ```
//! #[global_allocator]
//! static ALLOC: alloc_counter::CountingAllocator = alloc_counter::CountingAllocator;
//!
//! fn main() {
//!     let (allocations, bytes) = alloc_counter::count(|| vec![0u8; 64]);
//!     assert_eq!(allocations, 1);
//!     let (allocations, _) = alloc_counter::count(|| bytes.iter().map(|b| *b as u32).sum::<u32>());
//!     assert_eq!(allocations, 0);
//! }
//! ```
//!
//! The counter is per thread, so the test harness running other tests in parallel does not
//! disturb a measurement. This is the only crate of the project with `unsafe` code: a
//! `GlobalAlloc` implementation cannot be written without it, and the protocol crates
//! forbid `unsafe`, so it lives here, outside every layer, used only as a dev-dependency.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
    static BYTES: Cell<u64> = const { Cell::new(0) };
    static FREED: Cell<u64> = const { Cell::new(0) };
}

fn note_free(size: usize) {
    let _ = FREED.try_with(|c| c.set(c.get() + size as u64));
}

/// A global allocator that forwards to [`System`] and counts allocations made by the
/// current thread (including reallocations).
#[derive(Debug, Clone, Copy, Default)]
pub struct CountingAllocator;

fn note(size: usize) {
    // `try_with` because the thread-local may already be torn down when a thread exits.
    let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
    let _ = BYTES.try_with(|c| c.set(c.get() + size as u64));
}

// SAFETY: every method forwards to the system allocator with the caller's arguments
// unchanged; counting touches only a thread-local `Cell` and never allocates.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        // SAFETY: same contract as our caller's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        // SAFETY: same contract as our caller's.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        note_free(layout.size());
        // SAFETY: same contract as our caller's.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size);
        note_free(layout.size());
        // SAFETY: same contract as our caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// Allocations made by the current thread since it started.
pub fn allocations() -> u64 {
    ALLOCATIONS.with(Cell::get)
}

/// Bytes requested by the current thread's allocations since it started.
pub fn allocated_bytes() -> u64 {
    BYTES.with(Cell::get)
}

/// Bytes the current thread allocated and has not freed (what it freed of another
/// thread's allocations counts against it): the heap a structure built on this thread
/// holds, measured as the difference before and after building it.
pub fn live_bytes() -> i64 {
    BYTES.with(Cell::get) as i64 - FREED.with(Cell::get) as i64
}

/// Runs `f` and returns how many allocations the current thread made while it ran, with
/// `f`'s result. Only meaningful when [`CountingAllocator`] is the global allocator.
pub fn count<T>(f: impl FnOnce() -> T) -> (u64, T) {
    let before = allocations();
    let out = f();
    (allocations() - before, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[global_allocator]
    static ALLOC: CountingAllocator = CountingAllocator;

    #[test]
    fn counts_a_vec_and_not_arithmetic() {
        let (n, v) = count(|| vec![1u8; 100]);
        assert_eq!(n, 1);
        assert_eq!(v.len(), 100);
        let (n, x) = count(|| std::hint::black_box(3u64) * 7);
        assert_eq!(n, 0);
        assert_eq!(x, 21);
    }
}
