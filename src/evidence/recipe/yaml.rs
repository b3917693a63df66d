//! A YAML document as a plain tree whose every node knows its line.
//!
//! Compose files are read as data, not into a fixed schema: recipes use
//! every shape compose allows (labels as a map or a `- k=v` list, networks
//! as a list or a map, `depends_on` in its short and long forms), and the
//! checks must see keys swarm would ignore as much as keys it reads. So the
//! file becomes a [`Node`] tree, and `compose` reads the shapes it knows.
//!
//! Guarantees: parsing never panics; a duplicate key, a syntax error or a
//! document that is not a mapping is an `Err` with the parser's message and
//! line, which the caller turns into a warning naming the file. Parsing
//! follows compose: YAML 1.2 booleans only (`yes` and `on` are strings),
//! merge keys (`<<: *anchor`) expanded, duplicate keys refused.

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

/// A YAML value with the 1-based line it starts on (0 when unknown, e.g.
/// a value produced by a merge key whose origin the parser did not keep).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Node {
    pub v: Value,
    pub line: u32,
}

/// The shape of a YAML value.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Value {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    /// Entries in document order.
    Map(Vec<(Node, Node)>),
}

impl Node {
    /// The scalar as the text compose would see (`3000`, `true`); `None`
    /// for a sequence, a mapping or null.
    pub fn text(&self) -> Option<String> {
        match &self.v {
            Value::Str(s) => Some(s.clone()),
            Value::Bool(b) => Some(b.to_string()),
            Value::Int(i) => Some(i.to_string()),
            Value::Float(f) => Some(f.to_string()),
            Value::Null | Value::Seq(_) | Value::Map(_) => None,
        }
    }

    /// The entries of a mapping (empty for anything else).
    pub fn entries(&self) -> &[(Node, Node)] {
        match &self.v {
            Value::Map(entries) => entries,
            _ => &[],
        }
    }

    /// The items of a sequence (empty for anything else).
    pub fn items(&self) -> &[Node] {
        match &self.v {
            Value::Seq(items) => items,
            _ => &[],
        }
    }

    /// The value under `key` in a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entries()
            .iter()
            .find(|(k, _)| k.text().as_deref() == Some(key))
            .map(|(_, v)| v)
    }

    /// The entry (key node and value node) under `key` in a mapping.
    #[cfg(test)]
    pub fn entry(&self, key: &str) -> Option<(&Node, &Node)> {
        self.entries()
            .iter()
            .find(|(k, _)| k.text().as_deref() == Some(key))
            .map(|(k, v)| (k, v))
    }

    pub fn is_map(&self) -> bool {
        matches!(self.v, Value::Map(_))
    }
}

/// Parses one YAML document. The error is the parser's message, which
/// names the line and column.
pub(crate) fn parse(text: &str) -> Result<Node, String> {
    let options = serde_saphyr::options! {
        strict_booleans: true,
        duplicate_keys: serde_saphyr::DuplicateKeyPolicy::Error,
    };
    // An empty file is a valid YAML document with nothing in it.
    if text.trim().is_empty() {
        return Ok(Node {
            v: Value::Null,
            line: 1,
        });
    }
    serde_saphyr::from_str_with_options::<Node>(text, options).map_err(|e| {
        let first = e.to_string();
        first.lines().next().unwrap_or("invalid YAML").to_string()
    })
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Node, D::Error> {
        let spanned = Spanned::<Value>::deserialize(d)?;
        Ok(Node {
            v: spanned.value,
            line: u32::try_from(spanned.referenced.line()).unwrap_or(0),
        })
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
        d.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Int(v.into()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Int(v.into()))
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Value, E> {
        Ok(Value::Int(v))
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Value, E> {
        Ok(i128::try_from(v).map_or_else(|_| Value::Str(v.to_string()), Value::Int))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Float(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::Str(v.to_string()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::Str(v))
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Value, E> {
        Ok(Value::Str(String::from_utf8_lossy(v).into_owned()))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Value::deserialize(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Node>()? {
            items.push(item);
        }
        Ok(Value::Seq(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut entries = Vec::new();
        while let Some((k, v)) = map.next_entry::<Node, Node>()? {
            entries.push((k, v));
        }
        Ok(Value::Map(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_know_their_lines() {
        let doc = parse("a: 1\nb:\n  - x\n  - y: z\nc: yes\n").unwrap();
        let (bk, bv) = doc.entry("b").unwrap();
        assert_eq!(bk.line, 2);
        assert_eq!(bv.items()[1].line, 4);
        assert_eq!(bv.items()[1].get("y").unwrap().text().unwrap(), "z");
        // YAML 1.2 booleans: `yes` stays a string, as compose reads it.
        assert_eq!(doc.get("c").unwrap().v, Value::Str("yes".into()));
        assert_eq!(doc.get("a").unwrap().text().unwrap(), "1");
    }

    #[test]
    fn merge_keys_are_expanded() {
        let doc = parse("x: &e\n  A: 1\ny:\n  <<: *e\n  B: 2\n").unwrap();
        let y = doc.get("y").unwrap();
        assert_eq!(y.get("A").unwrap().text().unwrap(), "1");
        assert_eq!(y.get("B").unwrap().line, 5);
    }

    #[test]
    fn duplicate_keys_and_bad_yaml_are_errors_not_panics() {
        let err = parse("services:\n  app: {}\n  app: {}\n").unwrap_err();
        assert!(err.to_lowercase().contains("duplicate"), "{err}");
        assert!(parse("a: [1, 2\nb: c\n").is_err());
        assert!(parse("\t- nope: [").is_err());
        // Nesting past the parser's depth budget is refused, not a stack
        // overflow.
        let deep = format!("a: {}1{}", "[".repeat(5000), "]".repeat(5000));
        assert!(parse(&deep).is_err());
    }
}
