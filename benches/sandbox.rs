//! Timing goals of the sandbox: demo data (100,000 referrals well under a second) and listing
//! with a filter over 100,000 referrals (one scan per list, then pages from the snapshot).

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use refdeck::sandbox::demo;
use refdeck::sandbox::referrals::Referrals;

fn generation(c: &mut Criterion) {
    let now = chrono::Utc::now();
    let mut g = c.benchmark_group("demo");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    g.bench_function("generate 10k", |b| {
        b.iter(|| demo::generate(black_box(10_000), 1, now))
    });
    g.bench_function("generate 100k", |b| {
        b.iter(|| demo::generate(black_box(100_000), 1, now))
    });
    g.finish();
}

fn listing(c: &mut Criterion) {
    let now = chrono::Utc::now();
    let mut store = Referrals::new(demo::generate(100_000, 1, now));
    let mut g = c.benchmark_group("list 100k");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    for (name, query) in [
        ("no filter", "$count=true"),
        ("status", "$filter=status%20eq%20'New'&$count=true"),
        (
            "nested path",
            "$filter=customerProfile/address/country%20eq%20'US'&$count=true",
        ),
        (
            "any()",
            "$filter=team/any(t:t/email%20eq%20'x@y.com')&$count=true",
        ),
    ] {
        g.bench_function(name, |b| {
            b.iter(|| {
                store.list(
                    Some(black_box(query)),
                    "http://h/v1.0/engagements",
                    "http://h/v1.0",
                )
            })
        });
    }
    g.finish();
}

criterion_group!(benches, generation, listing);
criterion_main!(benches);
