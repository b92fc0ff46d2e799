//! [`names!`]: a closed set of names as an enum, for values that are stored or exported as
//! text (goal statuses, job states, metric label values): every value with its text, the list
//! of all of them, parsing that names the set, and serde as the text. With `sql`, also
//! `ToSql`/`FromSql` for Postgres `text` columns.

/// A name that is not one of a set's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {set} {value:?} (one of {allowed})")]
pub struct UnknownName {
    /// The set (e.g. "job state").
    pub set: &'static str,
    /// What was given.
    pub value: String,
    /// The names of the set, comma-separated.
    pub allowed: String,
}

/// Defines an enum whose values are names: `as_str`, `ALL`, `FromStr`, `Display`, serde; and,
/// after `sql`, `ToSql`/`FromSql` as Postgres text.
macro_rules! names {
    (
        $(#[$meta:meta])*
        pub enum $name:ident ($set:literal) {
            $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The value's text.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::types::UnknownName;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                match text {
                    $($text => Ok($name::$variant),)+
                    _ => Err($crate::types::UnknownName {
                        set: $set,
                        value: text.to_string(),
                        allowed: [$($text),+].join(", "),
                    }),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    };
    (sql $($rest:tt)*) => {
        $crate::types::names!($($rest)*);
        $crate::types::names!(@sql $($rest)*);
    };
    (@sql $(#[$meta:meta])* pub enum $name:ident $($rest:tt)*) => {
        impl tokio_postgres::types::ToSql for $name {
            fn to_sql(
                &self,
                ty: &tokio_postgres::types::Type,
                out: &mut bytes::BytesMut,
            ) -> Result<tokio_postgres::types::IsNull, Box<dyn std::error::Error + Sync + Send>>
            {
                <&str as tokio_postgres::types::ToSql>::to_sql(&self.as_str(), ty, out)
            }

            fn accepts(ty: &tokio_postgres::types::Type) -> bool {
                <&str as tokio_postgres::types::ToSql>::accepts(ty)
            }

            tokio_postgres::types::to_sql_checked!();
        }

        impl<'a> tokio_postgres::types::FromSql<'a> for $name {
            fn from_sql(
                ty: &tokio_postgres::types::Type,
                raw: &'a [u8],
            ) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
                let text = <&str as tokio_postgres::types::FromSql>::from_sql(ty, raw)?;
                Ok(text.parse::<$name>()?)
            }

            fn accepts(ty: &tokio_postgres::types::Type) -> bool {
                <&str as tokio_postgres::types::FromSql>::accepts(ty)
            }
        }
    };
}

pub(crate) use names;
