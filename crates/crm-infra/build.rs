//! Rebuilds the crate when a migration is added or changed, so the embedded set stays current.

fn main() {
    println!("cargo:rerun-if-changed=../../migrations");
}
