//! Timing and allocation counting for one workload on both stacks.

use std::hint::black_box;
use std::time::{Duration, Instant};

/// What the project promises for a workload, as theirs/ours time.
#[derive(Debug, Clone, Copy)]
pub enum Target {
    /// Ours at least this many times faster.
    FasterBy(f64),
    /// Ours no slower (ratio ≥ 1.0 within 5% noise).
    NoSlower,
    /// Ours at least this many times faster, and at most this many nanoseconds (an
    /// absolute figure for this machine).
    FasterByWithin(f64, f64),
}

/// One operation, implemented once per stack. Each closure performs the operation once;
/// it must `black_box` its input and result.
pub struct Workload {
    pub name: &'static str,
    pub ours: Box<dyn FnMut()>,
    pub theirs: Box<dyn FnMut()>,
    pub target: Target,
}

struct Side {
    ns: f64,
    allocs: f64,
}

fn iters_for(f: &mut dyn FnMut(), budget: Duration) -> u64 {
    let mut n = 1u64;
    loop {
        let t = Instant::now();
        for _ in 0..n {
            f();
        }
        let e = t.elapsed();
        if e >= budget / 4 || n >= 1 << 30 {
            let per = e.as_secs_f64() / n as f64;
            return ((budget.as_secs_f64() / per.max(1e-10)) as u64).clamp(1, 1 << 32);
        }
        n *= 2;
    }
}

fn sample(f: &mut dyn FnMut(), iters: u64) -> f64 {
    let t = Instant::now();
    for _ in 0..iters {
        f();
    }
    t.elapsed().as_secs_f64() * 1e9 / iters as f64
}

fn allocs(f: &mut dyn FnMut()) -> f64 {
    const N: u64 = 1000;
    f(); // warm caches and lazily built state before counting
    let (n, ()) = alloc_counter::count(|| {
        for _ in 0..N {
            f();
        }
    });
    n as f64 / N as f64
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn measure(w: &mut Workload, quick: bool) -> (Side, Side) {
    let (samples, budget) = if quick {
        (5, Duration::from_millis(10))
    } else {
        (21, Duration::from_millis(40))
    };
    let ni = iters_for(&mut *w.ours, budget);
    let ti = iters_for(&mut *w.theirs, budget);
    let (mut o, mut t) = (Vec::new(), Vec::new());
    for _ in 0..samples {
        o.push(sample(&mut *w.ours, ni));
        t.push(sample(&mut *w.theirs, ti));
    }
    (
        Side {
            ns: median(o),
            allocs: allocs(&mut *w.ours),
        },
        Side {
            ns: median(t),
            allocs: allocs(&mut *w.theirs),
        },
    )
}

/// Measures every workload and prints the comparison table.
pub fn run_all(mut workloads: Vec<Workload>, quick: bool) {
    println!(
        "{:<44} {:>10} {:>10} {:>7} {:>8} {:>8}  target",
        "workload", "ours ns", "webrtc ns", "ratio", "ours al", "them al"
    );
    let mut missed = 0;
    for w in &mut workloads {
        let (ours, theirs) = measure(w, quick);
        let ratio = theirs.ns / ours.ns;
        let (want, ok) = match w.target {
            Target::FasterBy(x) => (format!("≥{x:.1}×"), ratio >= x),
            Target::NoSlower => ("≥1.0×".to_string(), ratio >= 0.95),
            Target::FasterByWithin(x, ns) => {
                (format!("≥{x:.1}× ≤{ns:.0} ns"), ratio >= x && ours.ns <= ns)
            }
        };
        if !ok {
            missed += 1;
        }
        println!(
            "{:<44} {:>10.1} {:>10.1} {:>6.2}× {:>8.2} {:>8.2}  {want} {}",
            w.name,
            ours.ns,
            theirs.ns,
            ratio,
            ours.allocs,
            theirs.allocs,
            if ok { "met" } else { "MISSED" }
        );
        black_box(&w.name);
    }
    println!("{} workloads, {} target(s) missed", workloads.len(), missed);
}
