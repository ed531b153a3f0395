//! Marketo view (placeholder).
use crate::app::{Cx, Flow};
use crate::domain::Referral;
pub fn open_marketo_view(_r: &Referral, _cx: &mut Cx<'_>) -> Flow {
    Flow::Handled
}
