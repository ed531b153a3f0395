//! Reads one field of a `Serialize` value as JSON without serialising the rest.
//!
//! Filtering 100,000 referrals must not turn each whole referral into a `serde_json::Value`;
//! [`at_path`] drives the value's own `Serialize` impl, follows only the entries named by the
//! path (`customerProfile` → `address` → `country`) and turns just the last one into JSON, so
//! what it returns is exactly what `serde_json::to_value(v)?` holds at that path.

use serde::ser::{self, Serialize, Serializer};
use serde_json::Value;

/// `serde_json::to_value(value)[name]`, computed without serialising the other fields.
/// `None` when the value is not an object or has no such field.
pub fn top_level<T: Serialize + ?Sized>(value: &T, name: &str) -> Option<Value> {
    at_path(value, &[name])
}

/// The JSON at `path` (object keys only) inside `value`; `None` when some step is missing or is
/// not an object. An empty path is the whole value.
pub fn at_path<T: Serialize + ?Sized, S: AsRef<str>>(value: &T, path: &[S]) -> Option<Value> {
    let Some((name, rest)) = path.split_first() else {
        return serde_json::to_value(value).ok();
    };
    let rest: Vec<&str> = rest.iter().map(AsRef::as_ref).collect();
    value
        .serialize(Pick {
            name: name.as_ref(),
            rest: &rest,
        })
        .ok()
        .flatten()
}

/// Serialises the wanted field's value: further down the path, or as JSON at its end.
fn pick_value<T: Serialize + ?Sized>(value: &T, rest: &[&str]) -> Result<Option<Value>, Error> {
    match rest.split_first() {
        None => serde_json::to_value(value).map(Some),
        Some((name, rest)) => Ok(value.serialize(Pick { name, rest }).ok().flatten()),
    }
}

type Error = serde_json::Error;

fn not_an_object() -> Error {
    ser::Error::custom("not an object")
}

/// Serialiser methods for scalars that all answer the same.
macro_rules! scalars {
    ($answer:expr) => {
        fn serialize_bool(self, _: bool) -> Result<Self::Ok, Error> {
            Ok($answer)
        }
        fn serialize_i8(self, _: i8) -> Result<Self::Ok, Error> {
            Ok($answer)
        }
        fn serialize_i16(self, _: i16) -> Result<Self::Ok, Error> {
            Ok($answer)
        }
        fn serialize_i32(self, _: i32) -> Result<Self::Ok, Error> {
            Ok($answer)
        }
        fn serialize_i64(self, _: i64) -> Result<Self::Ok, Error> {
            Ok($answer)
        }
        fn serialize_u8(self, _: u8) -> Result<Self::Ok, Error> {
            Ok($answer)
        }
        fn serialize_u16(self, _: u16) -> Result<Self::Ok, Error> {
            Ok($answer)
        }
        fn serialize_u32(self, _: u32) -> Result<Self::Ok, Error> {
            Ok($answer)
        }
        fn serialize_u64(self, _: u64) -> Result<Self::Ok, Error> {
            Ok($answer)
        }
        fn serialize_f32(self, _: f32) -> Result<Self::Ok, Error> {
            Ok($answer)
        }
        fn serialize_f64(self, _: f64) -> Result<Self::Ok, Error> {
            Ok($answer)
        }
        fn serialize_char(self, _: char) -> Result<Self::Ok, Error> {
            Ok($answer)
        }
        fn serialize_bytes(self, _: &[u8]) -> Result<Self::Ok, Error> {
            Ok($answer)
        }
        fn serialize_none(self) -> Result<Self::Ok, Error> {
            Ok($answer)
        }
        fn serialize_unit(self) -> Result<Self::Ok, Error> {
            Ok($answer)
        }
        fn serialize_unit_struct(self, _: &'static str) -> Result<Self::Ok, Error> {
            Ok($answer)
        }
        fn serialize_unit_variant(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
        ) -> Result<Self::Ok, Error> {
            Ok($answer)
        }
        fn serialize_newtype_variant<T: Serialize + ?Sized>(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: &T,
        ) -> Result<Self::Ok, Error> {
            Ok($answer)
        }
        fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Error> {
            Err(not_an_object())
        }
        fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Error> {
            Err(not_an_object())
        }
        fn serialize_tuple_struct(
            self,
            _: &'static str,
            _: usize,
        ) -> Result<Self::SerializeTupleStruct, Error> {
            Err(not_an_object())
        }
        fn serialize_tuple_variant(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: usize,
        ) -> Result<Self::SerializeTupleVariant, Error> {
            Err(not_an_object())
        }
        fn serialize_struct_variant(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: usize,
        ) -> Result<Self::SerializeStructVariant, Error> {
            Err(not_an_object())
        }
    };
}

/// Serialises an object, keeping the value of one key (followed further by `rest`).
struct Pick<'n> {
    name: &'n str,
    rest: &'n [&'n str],
}

/// Collects while the object is serialised.
struct PickMap<'n> {
    name: &'n str,
    rest: &'n [&'n str],
    key_matches: bool,
    found: Option<Value>,
}

type Never<T> = ser::Impossible<T, Error>;

#[rustfmt::skip]
impl<'n> Serializer for Pick<'n> {
    type Ok = Option<Value>;
    type Error = Error;
    type SerializeSeq = Never<Self::Ok>;
    type SerializeTuple = Never<Self::Ok>;
    type SerializeTupleStruct = Never<Self::Ok>;
    type SerializeTupleVariant = Never<Self::Ok>;
    type SerializeMap = PickMap<'n>;
    type SerializeStruct = PickMap<'n>;
    type SerializeStructVariant = Never<Self::Ok>;

    scalars!(None);

    fn serialize_str(self, _: &str) -> Result<Self::Ok, Error> { Ok(None) }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<Self::Ok, Error> { v.serialize(self) }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, v: &T) -> Result<Self::Ok, Error> {
        v.serialize(self)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Error> {
        Ok(PickMap { name: self.name, rest: self.rest, key_matches: false, found: None })
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct, Error> {
        self.serialize_map(None)
    }
}

impl ser::SerializeMap for PickMap<'_> {
    type Ok = Option<Value>;
    type Error = Error;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        self.key_matches = self.found.is_none() && key.serialize(KeyIs(self.name))?;
        Ok(())
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        if self.key_matches {
            self.found = pick_value(value, self.rest)?;
            self.key_matches = false;
        }
        Ok(())
    }

    fn end(self) -> Result<Self::Ok, Error> {
        Ok(self.found)
    }
}

impl ser::SerializeStruct for PickMap<'_> {
    type Ok = Option<Value>;
    type Error = Error;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        if self.found.is_none() && key == self.name {
            self.found = pick_value(value, self.rest)?;
        }
        Ok(())
    }

    fn end(self) -> Result<Self::Ok, Error> {
        Ok(self.found)
    }
}

/// Answers whether a map key is the wanted name.
struct KeyIs<'n>(&'n str);

#[rustfmt::skip]
impl Serializer for KeyIs<'_> {
    type Ok = bool;
    type Error = Error;
    type SerializeSeq = Never<bool>;
    type SerializeTuple = Never<bool>;
    type SerializeTupleStruct = Never<bool>;
    type SerializeTupleVariant = Never<bool>;
    type SerializeMap = Never<bool>;
    type SerializeStruct = Never<bool>;
    type SerializeStructVariant = Never<bool>;

    scalars!(false);

    fn serialize_str(self, v: &str) -> Result<bool, Error> { Ok(v == self.0) }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<bool, Error> { v.serialize(self) }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, v: &T) -> Result<bool, Error> {
        v.serialize(self)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Error> { Err(not_an_object()) }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct, Error> {
        Err(not_an_object())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::demo;

    #[test]
    fn every_field_equals_the_full_serialisation() {
        let now = chrono::Utc::now();
        for r in demo::generate(60, 11, now) {
            let full = r.to_value();
            let obj = full.as_object().unwrap();
            for (k, v) in obj {
                assert_eq!(top_level(&r, k).as_ref(), Some(v), "{k}");
            }
            assert_eq!(top_level(&r, "noSuchField"), None);
        }
    }

    #[test]
    fn nested_paths_equal_the_full_serialisation() {
        let now = chrono::Utc::now();
        for r in demo::generate(40, 12, now) {
            let full = r.to_value();
            for path in [
                &["customerProfile", "address", "country"][..],
                &["details", "requirements", "solutions"],
                &["consent", "consentToShareReferralWithMicrosoftSellers"],
                &["inviteContext", "invitedBy", "organizationName"],
                &["details", "nope"],
                &["team", "email"],
                &[],
            ] {
                let pointer = format!("/{}", path.join("/"));
                let want = if path.is_empty() {
                    Some(&full)
                } else {
                    full.pointer(&pointer)
                };
                let want = want.filter(|_| path.first() != Some(&"team"));
                assert_eq!(at_path(&r, path).as_ref(), want, "{pointer}");
            }
        }
    }

    #[test]
    fn flattened_extras_and_non_objects() {
        let r: crate::domain::Referral =
            serde_json::from_value(serde_json::json!({"id": "x", "futureField": [1, 2]})).unwrap();
        assert_eq!(
            top_level(&r, "futureField"),
            Some(serde_json::json!([1, 2]))
        );
        assert_eq!(top_level(&5, "a"), None);
        assert_eq!(top_level(&vec![1], "a"), None);
        assert_eq!(
            top_level(&serde_json::json!({"a": {"b": 1}}), "a"),
            Some(serde_json::json!({"b": 1}))
        );
    }
}
