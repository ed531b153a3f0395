//! Deal-registration wizard (placeholder).
use crate::app::{Cx, Flow};
use crate::domain::Referral;
pub fn open_wizard(_r: &Referral, _cx: &mut Cx<'_>) -> Flow {
    Flow::Handled
}
