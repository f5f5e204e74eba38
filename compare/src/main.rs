//! Side-by-side comparison with the webrtc-rs crates (`rtp`, `rtcp`, `webrtc-srtp`).
//!
//! Each workload runs the same operation on the same bytes through both stacks, in this one
//! process, alternating samples so machine noise hits both alike. For each side it reports
//! the median time per operation and the heap allocations per operation (counted by a
//! global allocator), then the ratio theirs/ours and whether the project's target holds.
//! Ratios from one run are what to report: this machine is shared and noisy.

mod harness;
mod rtcp;
mod rtp;
mod srtp;

#[global_allocator]
static ALLOC: alloc_counter::CountingAllocator = alloc_counter::CountingAllocator;

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let mut workloads = Vec::new();
    workloads.extend(rtp::workloads());
    workloads.extend(rtcp::workloads());
    workloads.extend(srtp::workloads());
    harness::run_all(workloads, quick);
}
