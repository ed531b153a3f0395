//! The list's rows packed for a million in memory: no allocation per row.
//!
//! [`ReferralRow`] holds seven strings and seven enums that may each carry a string: about
//! 750 bytes a row on the heap and inline. [`PackedRows`] keeps the same rows in
//! - one fixed-size record per row ([`Fixed`], 112 bytes): the dates as 100 ns ticks, the deal
//!   value, the ids when they are canonical lower-case GUIDs (as Partner Center writes them) as
//!   16 bytes each, one byte per enumeration, currency and country (an index into a small
//!   table of the distinct values seen), the Marketo badge and the flags;
//! - one text buffer with every row's name, customer, notes/contacts text (and ids that are
//!   not GUIDs) back to back.
//!
//! A row that does not fit that form exactly (more than 255 distinct values of one
//! enumeration, a date before 27,000 BC or with a fraction finer than 100 ns, a name over
//! 64 KiB…) is kept whole beside the records, so packing never changes a value: a row read
//! back ([`RowRef::to_row`]) equals the row put in (a property test checks it).
//!
//! [`RowRef`] reads one row without unpacking it; the filter and the sort work on it.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::fmt;
use std::hash::Hash;

use chrono::{DateTime, Utc};

use super::ReferralRow;
use crate::domain::enums::*;
use crate::domain::marketo::MarketoBadge;

/// Rows in packed form (see the module docs), indexed from 0 in the order they were added.
#[derive(Clone, Default)]
pub struct PackedRows {
    fixed: Vec<Fixed>,
    text: String,
    /// Boxed: a `PackedRows` travels in events and should stay small itself.
    tables: Box<Tables>,
    /// Rows that do not fit the packed form, whole.
    spill: HashMap<u32, Box<ReferralRow>>,
    /// Bytes of `text` no record points to any more.
    garbage: usize,
}

/// The fixed-size part of a packed row.
#[derive(Clone, Copy, Debug, Default)]
struct Fixed {
    /// closing, created, updated, expires, closed: 100 ns ticks since 1970, [`NO_DATE`] if none.
    dates: [i64; 5],
    /// The deal value's bits, [`NO_VALUE`] if none.
    deal: u64,
    /// The id and the engagement id as GUID bytes (with [`flags::ID_GUID`] / [`flags::ENG_GUID`]).
    id: [u8; 16],
    eng: [u8; 16],
    /// Where the row's texts start in the buffer: id (unless a GUID), engagement id (unless a
    /// GUID), name, customer, notes/contacts text.
    start: u32,
    text_len: u32,
    /// Byte lengths of id, engagement id (0 when GUIDs), name, customer.
    lens: [u16; 4],
    /// Table indices: status, substatus, type, direction, qualification, sales stage,
    /// registration status, currency, country.
    codes: [u8; 9],
    marketo: MarketoBadge,
    flags: u8,
}

mod flags {
    pub const ID_GUID: u8 = 1;
    pub const ENG_GUID: u8 = 2;
    pub const FAVORITE: u8 = 4;
    pub const UNSEEN: u8 = 8;
    pub const MICROSOFT: u8 = 16;
    /// The row is in `spill`, whole.
    pub const SPILLED: u8 = 32;
}

const NO_DATE: i64 = i64::MIN;
/// A NaN no JSON number or arithmetic produces: "no deal value".
const NO_VALUE: u64 = 0x7ff8_5eed_0000_0001;
const TICKS_PER_SEC: i64 = 10_000_000;

/// The distinct values of each enumeration and code, so a row stores a byte each.
#[derive(Clone, Default)]
struct Tables {
    status: Table<Status>,
    substatus: Table<Substatus>,
    referral_type: Table<Option<ReferralType>>,
    direction: Table<Option<Direction>>,
    qualification: Table<Option<Qualification>>,
    sales_stage: Table<Option<SalesStage>>,
    registration: Table<Option<RegistrationStatus>>,
    currency: Table<String>,
    country: Table<String>,
}

#[derive(Clone)]
struct Table<T> {
    values: Vec<T>,
    index: HashMap<T, u8>,
}

impl<T> Default for Table<T> {
    fn default() -> Self {
        Table {
            values: Vec::new(),
            index: HashMap::new(),
        }
    }
}

impl<T: Clone + Eq + Hash> Table<T> {
    /// The value's byte; `None` when 256 other values are taken.
    fn code(&mut self, v: &T) -> Option<u8> {
        if let Some(&c) = self.index.get(v) {
            return Some(c);
        }
        let c = u8::try_from(self.values.len()).ok()?;
        self.values.push(v.clone());
        self.index.insert(v.clone(), c);
        Some(c)
    }

    fn get(&self, c: u8) -> &T {
        &self.values[usize::from(c)]
    }
}

impl PackedRows {
    /// Packs rows.
    pub fn new(rows: impl IntoIterator<Item = ReferralRow>) -> PackedRows {
        let mut packed = PackedRows::default();
        packed.extend(rows);
        packed
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.fixed.len()
    }

    /// True without rows.
    pub fn is_empty(&self) -> bool {
        self.fixed.is_empty()
    }

    /// Adds rows at the end.
    pub fn extend(&mut self, rows: impl IntoIterator<Item = ReferralRow>) {
        for row in rows {
            self.push(row);
        }
    }

    /// Adds a row at the end.
    ///
    /// # Panics
    /// Past `u32::MAX` rows.
    pub fn push(&mut self, row: ReferralRow) {
        assert!(
            u32::try_from(self.fixed.len()).is_ok(),
            "packed rows hold at most u32::MAX rows"
        );
        self.fixed.push(Fixed::default());
        self.set(self.fixed.len() - 1, row);
    }

    /// Replaces row `i`.
    ///
    /// # Panics
    /// When `i` is out of range.
    pub fn set(&mut self, i: usize, row: ReferralRow) {
        let old = self.fixed[i];
        if old.flags & flags::SPILLED != 0 {
            self.spill.remove(&(i as u32));
        } else {
            self.garbage += old.text_bytes();
        }
        let (fixed, row) = match self.pack(&row) {
            Some(fixed) => (fixed, None),
            None => (
                Fixed {
                    flags: flags::SPILLED,
                    ..Fixed::default()
                },
                Some(row),
            ),
        };
        self.fixed[i] = fixed;
        if let Some(row) = row {
            self.spill.insert(i as u32, Box::new(row));
        }
        if self.garbage > self.text.len() / 2 && self.garbage > 4096 {
            self.compact();
        }
    }

    /// Row `i`, read in place.
    pub fn get(&self, i: usize) -> Option<RowRef<'_>> {
        let fixed = self.fixed.get(i)?;
        Some(if fixed.flags & flags::SPILLED != 0 {
            RowRef(At::Whole(&self.spill[&(i as u32)]))
        } else {
            RowRef(At::Packed(self, fixed))
        })
    }

    /// Every row in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = RowRef<'_>> + '_ {
        (0..self.len()).map(|i| self.get(i).expect("index below len"))
    }

    /// Sets row `i`'s Marketo badge; false when it was already that.
    ///
    /// # Panics
    /// When `i` is out of range.
    pub fn set_marketo(&mut self, i: usize, badge: MarketoBadge) -> bool {
        let fixed = &mut self.fixed[i];
        let old = if fixed.flags & flags::SPILLED != 0 {
            let row = self.spill.get_mut(&(i as u32)).expect("spilled row");
            std::mem::replace(&mut row.marketo, badge)
        } else {
            std::mem::replace(&mut fixed.marketo, badge)
        };
        old != badge
    }

    /// How many rows are kept whole (for tests and figures).
    pub fn spilled(&self) -> usize {
        self.spill.len()
    }

    /// The packed record of a row, its texts appended to the buffer; `None` when the row does
    /// not fit (nothing is appended then).
    fn pack(&mut self, row: &ReferralRow) -> Option<Fixed> {
        let t = &mut self.tables;
        let codes = [
            t.status.code(&row.status)?,
            t.substatus.code(&row.substatus)?,
            t.referral_type.code(&row.referral_type)?,
            t.direction.code(&row.direction)?,
            t.qualification.code(&row.qualification)?,
            t.sales_stage.code(&row.sales_stage)?,
            t.registration.code(&row.registration_status)?,
            t.currency.code(&row.currency)?,
            t.country.code(&row.country)?,
        ];
        let mut dates = [NO_DATE; 5];
        for (slot, date) in dates.iter_mut().zip([
            row.closing,
            row.created,
            row.updated,
            row.expires,
            row.closed,
        ]) {
            if let Some(d) = date {
                *slot = ticks(d)?;
            }
        }
        let deal = match row.deal_value {
            Some(v) if v.to_bits() == NO_VALUE => return None,
            Some(v) => v.to_bits(),
            None => NO_VALUE,
        };
        let id = guid(&row.id);
        let eng = guid(&row.engagement_id);
        let id_text = if id.is_some() { "" } else { row.id.as_str() };
        let eng_text = if eng.is_some() {
            ""
        } else {
            row.engagement_id.as_str()
        };
        let lens = [
            u16::try_from(id_text.len()).ok()?,
            u16::try_from(eng_text.len()).ok()?,
            u16::try_from(row.name.len()).ok()?,
            u16::try_from(row.customer.len()).ok()?,
        ];
        let text_len = u32::try_from(row.search_text.len()).ok()?;
        let start = u32::try_from(self.text.len()).ok()?;
        let total = lens.iter().map(|&l| usize::from(l)).sum::<usize>() + text_len as usize;
        u32::try_from(self.text.len() + total).ok()?;
        for part in [
            id_text,
            eng_text,
            &row.name,
            &row.customer,
            &row.search_text,
        ] {
            self.text.push_str(part);
        }
        let mut f = 0;
        for (on, bit) in [
            (id.is_some(), flags::ID_GUID),
            (eng.is_some(), flags::ENG_GUID),
            (row.favorite, flags::FAVORITE),
            (row.unseen, flags::UNSEEN),
            (row.microsoft, flags::MICROSOFT),
        ] {
            if on {
                f |= bit;
            }
        }
        Some(Fixed {
            dates,
            deal,
            id: id.unwrap_or_default(),
            eng: eng.unwrap_or_default(),
            start,
            text_len,
            lens,
            codes,
            marketo: row.marketo,
            flags: f,
        })
    }

    /// Rewrites the text buffer in row order without garbage.
    fn compact(&mut self) {
        let mut text = String::with_capacity(self.text.len() - self.garbage);
        for fixed in &mut self.fixed {
            if fixed.flags & flags::SPILLED != 0 {
                continue;
            }
            let at = fixed.start as usize;
            let start = text.len();
            text.push_str(&self.text[at..at + fixed.text_bytes()]);
            fixed.start = u32::try_from(start).expect("compacted texts are smaller");
        }
        self.text = text;
        self.garbage = 0;
    }
}

impl Fixed {
    fn text_bytes(&self) -> usize {
        self.lens.iter().map(|&l| usize::from(l)).sum::<usize>() + self.text_len as usize
    }

    /// The byte range of text part `k` (0 id, 1 engagement id, 2 name, 3 customer, 4 notes).
    fn part(&self, k: usize) -> std::ops::Range<usize> {
        let before: usize = self.lens[..k].iter().map(|&l| usize::from(l)).sum();
        let at = self.start as usize + before;
        let len = match self.lens.get(k) {
            Some(&l) => usize::from(l),
            None => self.text_len as usize,
        };
        at..at + len
    }
}

impl fmt::Debug for PackedRows {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PackedRows")
            .field("len", &self.len())
            .field("spilled", &self.spill.len())
            .finish()
    }
}

/// Equal when they hold equal rows in the same order (however they are packed).
impl PartialEq for PackedRows {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len()
            && self
                .iter()
                .zip(other.iter())
                .all(|(a, b)| a.to_row() == b.to_row())
    }
}

impl From<Vec<ReferralRow>> for PackedRows {
    fn from(rows: Vec<ReferralRow>) -> Self {
        PackedRows::new(rows)
    }
}

impl FromIterator<ReferralRow> for PackedRows {
    fn from_iter<I: IntoIterator<Item = ReferralRow>>(iter: I) -> Self {
        PackedRows::new(iter)
    }
}

/// A date as 100 ns ticks since 1970; `None` when it does not fit exactly.
fn ticks(d: DateTime<Utc>) -> Option<i64> {
    let nanos = d.timestamp_subsec_nanos();
    if !nanos.is_multiple_of(100) || nanos >= 1_000_000_000 {
        return None;
    }
    let t = d
        .timestamp()
        .checked_mul(TICKS_PER_SEC)?
        .checked_add(i64::from(nanos / 100))?;
    (t != NO_DATE).then_some(t)
}

fn from_ticks(t: i64) -> Option<DateTime<Utc>> {
    if t == NO_DATE {
        return None;
    }
    let nanos = (t.rem_euclid(TICKS_PER_SEC) * 100) as u32;
    DateTime::from_timestamp(t.div_euclid(TICKS_PER_SEC), nanos)
}

/// The 16 bytes of a canonical lower-case GUID (`8-4-4-4-12` hex digits), in text order;
/// `None` for any other text, so formatting the bytes gives the text back exactly.
fn guid(s: &str) -> Option<[u8; 16]> {
    let b = s.as_bytes();
    if b.len() != 36 {
        return None;
    }
    let mut out = [0u8; 16];
    let mut nibble = 0;
    for (k, &c) in b.iter().enumerate() {
        if matches!(k, 8 | 13 | 18 | 23) {
            if c != b'-' {
                return None;
            }
            continue;
        }
        let v = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            _ => return None,
        };
        out[nibble / 2] |= if nibble % 2 == 0 { v << 4 } else { v };
        nibble += 1;
    }
    Some(out)
}

/// The canonical text of GUID bytes.
fn guid_text(g: &[u8; 16]) -> [u8; 36] {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = [b'-'; 36];
    let mut at = 0;
    for (n, byte) in g.iter().enumerate() {
        if matches!(n, 4 | 6 | 8 | 10) {
            at += 1;
        }
        out[at] = HEX[usize::from(byte >> 4)];
        out[at + 1] = HEX[usize::from(byte & 15)];
        at += 2;
    }
    out
}

/// A row's id or engagement id as stored: text, or the bytes of a canonical GUID. Compares and
/// prints as the text.
#[derive(Clone, Copy, Debug)]
pub enum RowId<'a> {
    Text(&'a str),
    Guid([u8; 16]),
}

impl<'a> RowId<'a> {
    /// The id of this text (a GUID is recognised, as when packed).
    pub fn of(s: &'a str) -> RowId<'a> {
        guid(s).map_or(RowId::Text(s), RowId::Guid)
    }

    /// True for the empty id.
    pub fn is_empty(&self) -> bool {
        matches!(self, RowId::Text(""))
    }

    /// Calls `f` with the text.
    pub fn with_str<T>(&self, f: impl FnOnce(&str) -> T) -> T {
        match self {
            RowId::Text(s) => f(s),
            RowId::Guid(g) => {
                let text = guid_text(g);
                f(std::str::from_utf8(&text).unwrap_or_default())
            }
        }
    }

    /// A 64-bit hash of the text, 0 for the empty id (see the `linked` search module).
    pub fn hash64(&self) -> u64 {
        use std::hash::{DefaultHasher, Hasher};
        if self.is_empty() {
            return 0;
        }
        let mut h = DefaultHasher::new();
        self.with_str(|s| s.hash(&mut h));
        h.finish() | 1
    }
}

impl fmt::Display for RowId<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.with_str(|s| f.write_str(s))
    }
}

impl Ord for RowId<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (RowId::Guid(a), RowId::Guid(b)) => a.cmp(b),
            (RowId::Text(a), RowId::Text(b)) => a.cmp(b),
            (a, b) => a.with_str(|a| b.with_str(|b| a.cmp(b))),
        }
    }
}

impl PartialOrd for RowId<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for RowId<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for RowId<'_> {}

impl PartialEq<str> for RowId<'_> {
    fn eq(&self, other: &str) -> bool {
        *self == RowId::of(other)
    }
}

/// One row, read where it lies: in [`PackedRows`], or a whole [`ReferralRow`]. The accessors
/// are named after the fields of [`ReferralRow`].
#[derive(Clone, Copy)]
pub struct RowRef<'a>(At<'a>);

#[derive(Clone, Copy)]
enum At<'a> {
    Packed(&'a PackedRows, &'a Fixed),
    Whole(&'a ReferralRow),
}

impl<'a> From<&'a ReferralRow> for RowRef<'a> {
    fn from(row: &'a ReferralRow) -> Self {
        RowRef(At::Whole(row))
    }
}

impl fmt::Debug for RowRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.to_row().fmt(f)
    }
}

macro_rules! table_field {
    ($(#[$doc:meta])* $name:ident, $field:ident, $code:expr, $ty:ty) => {
        $(#[$doc])*
        pub fn $name(self) -> &'a $ty {
            match self.0 {
                At::Packed(p, f) => p.tables.$field.get(f.codes[$code]),
                At::Whole(r) => &r.$name,
            }
        }
    };
}

macro_rules! option_field {
    ($name:ident, $field:ident, $code:expr, $ty:ty) => {
        pub fn $name(self) -> Option<&'a $ty> {
            match self.0 {
                At::Packed(p, f) => p.tables.$field.get(f.codes[$code]).as_ref(),
                At::Whole(r) => r.$name.as_ref(),
            }
        }
    };
}

macro_rules! date_field {
    ($name:ident, $k:expr) => {
        pub fn $name(self) -> Option<DateTime<Utc>> {
            match self.0 {
                At::Packed(_, f) => from_ticks(f.dates[$k]),
                At::Whole(r) => r.$name,
            }
        }
    };
}

macro_rules! flag_field {
    ($name:ident, $bit:expr) => {
        pub fn $name(self) -> bool {
            match self.0 {
                At::Packed(_, f) => f.flags & $bit != 0,
                At::Whole(r) => r.$name,
            }
        }
    };
}

impl<'a> RowRef<'a> {
    fn text(self, k: usize) -> &'a str {
        match self.0 {
            At::Packed(p, f) => &p.text[f.part(k)],
            At::Whole(r) => match k {
                0 => &r.id,
                1 => &r.engagement_id,
                2 => &r.name,
                3 => &r.customer,
                _ => &r.search_text,
            },
        }
    }

    pub fn id(self) -> RowId<'a> {
        match self.0 {
            At::Packed(_, f) if f.flags & flags::ID_GUID != 0 => RowId::Guid(f.id),
            At::Packed(..) => RowId::Text(self.text(0)),
            At::Whole(r) => RowId::of(&r.id),
        }
    }

    pub fn engagement_id(self) -> RowId<'a> {
        match self.0 {
            At::Packed(_, f) if f.flags & flags::ENG_GUID != 0 => RowId::Guid(f.eng),
            At::Packed(..) => RowId::Text(self.text(1)),
            At::Whole(r) => RowId::of(&r.engagement_id),
        }
    }

    pub fn name(self) -> &'a str {
        self.text(2)
    }

    /// Customer company name.
    pub fn customer(self) -> &'a str {
        self.text(3)
    }

    /// The notes and contacts text the free words search (see [`ReferralRow::search_text`]).
    pub fn search_text(self) -> &'a str {
        self.text(4)
    }

    table_field!(status, status, 0, Status);
    table_field!(substatus, substatus, 1, Substatus);
    option_field!(referral_type, referral_type, 2, ReferralType);
    option_field!(direction, direction, 3, Direction);
    option_field!(qualification, qualification, 4, Qualification);
    option_field!(sales_stage, sales_stage, 5, SalesStage);
    option_field!(registration_status, registration, 6, RegistrationStatus);
    table_field!(
        /// ISO 4217, upper case; empty when unknown.
        currency, currency, 7, String
    );
    table_field!(
        /// ISO 3166 alpha-2; empty when unknown.
        country, country, 8, String
    );
    date_field!(closing, 0);
    date_field!(created, 1);
    date_field!(updated, 2);
    date_field!(expires, 3);
    date_field!(closed, 4);
    flag_field!(favorite, flags::FAVORITE);
    flag_field!(unseen, flags::UNSEEN);
    flag_field!(microsoft, flags::MICROSOFT);

    pub fn deal_value(self) -> Option<f64> {
        match self.0 {
            At::Packed(_, f) => (f.deal != NO_VALUE).then(|| f64::from_bits(f.deal)),
            At::Whole(r) => r.deal_value,
        }
    }

    pub fn marketo(self) -> MarketoBadge {
        match self.0 {
            At::Packed(_, f) => f.marketo,
            At::Whole(r) => r.marketo,
        }
    }

    /// The row unpacked.
    pub fn to_row(self) -> ReferralRow {
        if let At::Whole(r) = self.0 {
            return r.clone();
        }
        ReferralRow {
            id: self.id().to_string(),
            engagement_id: self.engagement_id().to_string(),
            name: self.name().to_string(),
            customer: self.customer().to_string(),
            status: self.status().clone(),
            substatus: self.substatus().clone(),
            referral_type: self.referral_type().cloned(),
            direction: self.direction().cloned(),
            qualification: self.qualification().cloned(),
            sales_stage: self.sales_stage().cloned(),
            registration_status: self.registration_status().cloned(),
            deal_value: self.deal_value(),
            currency: self.currency().clone(),
            country: self.country().clone(),
            closing: self.closing(),
            created: self.created(),
            updated: self.updated(),
            expires: self.expires(),
            closed: self.closed(),
            favorite: self.favorite(),
            search_text: self.search_text().to_string(),
            marketo: self.marketo(),
            unseen: self.unseen(),
            microsoft: self.microsoft(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str, name: &str) -> ReferralRow {
        ReferralRow {
            id: id.into(),
            engagement_id: "0f8fad5b-d9cb-469f-a165-70867728950e".into(),
            name: name.into(),
            customer: "Contoso".into(),
            status: Status::New,
            substatus: Substatus::Pending,
            referral_type: Some(ReferralType::Shared),
            deal_value: Some(12.5),
            currency: "EUR".into(),
            country: "FR".into(),
            updated: DateTime::from_timestamp(1_700_000_000, 123_456_700),
            search_text: "wants a demo\nAnn Lee".into(),
            favorite: true,
            ..ReferralRow::default()
        }
    }

    #[test]
    fn rows_read_back_as_they_went_in() {
        let rows = vec![
            row("7c9e6679-7425-40de-944b-e07fc1f90ae7", "Supply chain"),
            row("r-2", "Café Zoë"),
            ReferralRow::default(),
        ];
        let packed = PackedRows::new(rows.clone());
        assert_eq!(packed.spilled(), 0);
        let back: Vec<ReferralRow> = packed.iter().map(RowRef::to_row).collect();
        assert_eq!(back, rows);
        assert!(matches!(packed.get(0).unwrap().id(), RowId::Guid(_)));
        assert!(matches!(packed.get(1).unwrap().id(), RowId::Text("r-2")));
    }

    #[test]
    fn what_does_not_fit_is_kept_whole() {
        let mut odd = row("r-1", "Odd");
        odd.updated = DateTime::from_timestamp(1_700_000_000, 5); // finer than 100 ns
        let mut long = row("r-2", "Long");
        long.name = "x".repeat(70_000);
        let mut nan = row("r-3", "NaN");
        nan.deal_value = Some(f64::from_bits(NO_VALUE));
        let mut rows = vec![odd, long, nan];
        // 300 distinct substatuses: the 257th and later do not get a byte.
        for k in 0..300 {
            let mut r = row(&format!("s{k}"), "Many");
            r.substatus = Substatus::parse(&format!("Custom{k}"));
            rows.push(r);
        }
        let packed = PackedRows::new(rows.clone());
        // Pending and Custom0..=Custom254 take the 256 bytes.
        assert_eq!(packed.spilled(), 3 + (300 - 255));
        let back: Vec<ReferralRow> = packed.iter().map(RowRef::to_row).collect();
        assert_eq!(back[2].deal_value.map(f64::to_bits), Some(NO_VALUE));
        assert_eq!(back[..2], rows[..2]);
        assert_eq!(back[3..], rows[3..]);
    }

    #[test]
    fn replaced_rows_reuse_the_buffer() {
        let mut packed = PackedRows::new((0..100).map(|k| row(&format!("r{k}"), "Name")));
        let before = packed.text.len();
        for round in 0..50 {
            for k in 0..100 {
                packed.set(k, row(&format!("r{k}"), &format!("Name {round}")));
            }
        }
        assert!(packed.text.len() < before * 4, "garbage is compacted");
        assert_eq!(packed.get(7).unwrap().name(), "Name 49");
        assert_eq!(packed.get(7).unwrap().id(), *"r7");
    }

    #[test]
    fn a_record_is_112_bytes() {
        // The figure the module docs, ARCHITECTURE.md and the README give.
        assert_eq!(std::mem::size_of::<Fixed>(), 112);
        assert!(
            std::mem::size_of::<PackedRows>() <= 128,
            "small enough to travel in events"
        );
    }

    #[test]
    fn guids_compare_and_print_as_their_text() {
        let a = "0f8fad5b-d9cb-469f-a165-70867728950e";
        let b = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
        assert!(matches!(RowId::of(a), RowId::Guid(_)));
        assert_eq!(RowId::of(a).to_string(), a);
        assert!(RowId::of(a) < RowId::of(b));
        assert!(RowId::of(a) < RowId::Text(b));
        assert!(RowId::Text("0") < RowId::of(a));
        assert!(RowId::Text("1") > RowId::of(a));
        // Upper case is not canonical: kept as text, so it prints back unchanged.
        let upper = "0F8FAD5B-D9CB-469F-A165-70867728950E";
        assert!(matches!(RowId::of(upper), RowId::Text(_)));
        assert_eq!(RowId::of(a).hash64(), RowId::Text(a).hash64());
        assert_eq!(RowId::of(a), *a);
    }
}
