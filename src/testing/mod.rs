//! Support for driving the dashboard in tests and in the screenshot generator.

pub mod scene;
