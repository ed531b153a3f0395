fn main() {
    println!("refdeck");
}
