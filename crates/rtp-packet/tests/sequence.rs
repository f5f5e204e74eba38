//! Wrap-aware sequence arithmetic and the extended-sequence tracker (RFC 3550 §5.1, A.1).

use rtp_packet::sequence::{ExtendedSequence, distance, is_newer};

#[test]
fn distance_across_the_wrap() {
    assert_eq!(distance(65535, 0), 1);
    assert_eq!(distance(0, 65535), -1);
    assert_eq!(distance(65530, 5), 11);
    assert_eq!(distance(100, 100), 0);
    assert_eq!(distance(0, 32767), 32767);
    assert_eq!(distance(0, 32768), -32768);
    assert!(is_newer(0, 65535));
    assert!(!is_newer(65535, 0));
    assert!(!is_newer(7, 7));
}

#[test]
fn in_order_across_the_wrap() {
    let mut t = ExtendedSequence::new();
    let got: Vec<_> = [65533, 65534, 65535, 0, 1]
        .map(|s| t.extend(s).unwrap())
        .into();
    assert_eq!(got, [65533, 65534, 65535, 65536, 65537]);
    assert_eq!(t.rollover_counter(), 1);
    assert_eq!(t.highest(), Some(65537));
}

#[test]
fn reordered_across_the_wrap() {
    let mut t = ExtendedSequence::new();
    // 0 and 1 arrive before the late 65534 and 65535 from the previous cycle.
    let got: Vec<_> = [65533, 0, 65535, 1, 65534, 2]
        .map(|s| t.extend(s).unwrap())
        .into();
    assert_eq!(got, [65533, 65536, 65535, 65537, 65534, 65538]);
    assert_eq!(t.rollover_counter(), 1);
    assert_eq!(t.highest(), Some(65538));
}

#[test]
fn duplicate_does_not_advance() {
    let mut t = ExtendedSequence::new();
    assert_eq!(t.extend(10), Some(10));
    assert_eq!(t.extend(10), Some(10));
    assert_eq!(t.highest(), Some(10));
}

#[test]
fn packet_before_cycle_zero() {
    let mut t = ExtendedSequence::new();
    assert_eq!(t.extend(2), Some(2));
    // 65534 is 4 before 2 across the wrap: it would be in cycle -1.
    assert_eq!(t.extend(65534), None);
    assert_eq!(t.highest(), Some(2));
}

#[test]
fn starting_rollover_counter() {
    let mut t = ExtendedSequence::with_rollover_counter(5);
    assert_eq!(t.rollover_counter(), 5);
    assert_eq!(t.extend(65535), Some(5 << 16 | 65535));
    assert_eq!(t.extend(3), Some(6 << 16 | 3));
    assert_eq!(t.rollover_counter(), 6);
    assert_eq!(t.extend(65500), Some(5 << 16 | 65500));
}

#[test]
fn many_cycles_with_reorder() {
    let mut t = ExtendedSequence::new();
    let mut expected = 0u64;
    for _ in 0..3 * 65536 / 100 {
        // Send 100 numbers in pairs swapped: 1,0,3,2,...
        for i in (0..100u64).step_by(2) {
            for e in [expected + i + 1, expected + i] {
                assert_eq!(t.extend(e as u16), Some(e));
            }
        }
        expected += 100;
    }
    assert_eq!(expected, 196_600);
    assert_eq!(t.rollover_counter(), 2);
}
