//! Money: exact yuan with two places, kept as integer fen. Never floating point.
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::str::FromStr;

/// An amount of money in yuan (元), exact to the fen (分).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Yuan(i64);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("金额格式不正确：请填写数字，例如 1200000 或 1200000.50")]
    Format,
    #[error("金额最多保留两位小数")]
    TooPrecise,
    #[error("金额不能为负数")]
    Negative,
    #[error("金额过大")]
    Overflow,
}

impl Yuan {
    pub const ZERO: Yuan = Yuan(0);
    pub fn from_fen(fen: i64) -> Yuan {
        Yuan(fen)
    }
    pub fn fen(self) -> i64 {
        self.0
    }
    pub fn from_yuan(yuan: i64) -> Yuan {
        Yuan(yuan * 100)
    }
    /// Parse a non-negative amount in yuan ("1,200,000.50", "1200000", "120万" not accepted).
    pub fn parse(s: &str) -> Result<Yuan, MoneyError> {
        let cleaned: String = s
            .trim()
            .chars()
            .filter(|c| *c != ',' && *c != '，')
            .collect();
        let cleaned = cleaned.trim_end_matches('元');
        if cleaned.is_empty() {
            return Err(MoneyError::Format);
        }
        let d = Decimal::from_str_exact(cleaned)
            .or_else(|_| Decimal::from_str(cleaned))
            .map_err(|_| MoneyError::Format)?;
        if d.is_sign_negative() && !d.is_zero() {
            return Err(MoneyError::Negative);
        }
        let d = d.normalize();
        if d.scale() > 2 {
            return Err(MoneyError::TooPrecise);
        }
        let fen = d
            .checked_mul(Decimal::from(100))
            .ok_or(MoneyError::Overflow)?;
        let fen: i64 = fen.trunc().try_into().map_err(|_| MoneyError::Overflow)?;
        if fen > 10_000_000_000_000_00 {
            return Err(MoneyError::Overflow);
        }
        Ok(Yuan(fen))
    }
    pub fn decimal(self) -> Decimal {
        Decimal::new(self.0, 2)
    }
    pub fn checked_add(self, o: Yuan) -> Option<Yuan> {
        self.0.checked_add(o.0).map(Yuan)
    }
    pub fn saturating_sub(self, o: Yuan) -> Yuan {
        Yuan(self.0.saturating_sub(o.0))
    }
    /// `self` as a percentage of `whole`, in basis points (1/100 of a percent), rounded down.
    pub fn basis_points_of(self, whole: Yuan) -> Option<i64> {
        if whole.0 == 0 {
            return None;
        }
        Some(((self.0 as i128) * 10_000 / (whole.0 as i128)) as i64)
    }
    /// Grouped display: "1,200,000.00".
    pub fn grouped(self) -> String {
        let s = format!("{:.2}", self.decimal());
        let (int, frac) = s.split_once('.').unwrap_or((&s, "00"));
        let mut out = String::new();
        for (i, c) in int.chars().enumerate() {
            if i > 0 && (int.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(c);
        }
        format!("{out}.{frac}")
    }
    /// Display in 万元 with up to 2 places, as officials read budgets ("120.50 万元").
    pub fn wan(self) -> String {
        format!("{:.2}", Decimal::new(self.0, 6).round_dp(2))
    }
}

impl std::fmt::Display for Yuan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:.2}", self.decimal())
    }
}

impl Serialize for Yuan {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for Yuan {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            S(String),
            I(i64),
        }
        match Raw::deserialize(d)? {
            Raw::S(s) => Yuan::parse(&s).map_err(serde::de::Error::custom),
            Raw::I(i) if i >= 0 => Ok(Yuan::from_yuan(i)),
            Raw::I(_) => Err(serde::de::Error::custom(MoneyError::Negative)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_accepts_two_places_and_grouping() {
        assert_eq!(Yuan::parse("1,200,000.50").unwrap().fen(), 120_000_050);
        assert_eq!(Yuan::parse("3").unwrap().fen(), 300);
        assert_eq!(Yuan::parse("0.1").unwrap().fen(), 10);
        assert_eq!(Yuan::parse("12.30元").unwrap().fen(), 1230);
    }

    #[test]
    fn parse_refuses_fractions_of_a_fen_and_negatives() {
        assert_eq!(Yuan::parse("1.234"), Err(MoneyError::TooPrecise));
        assert_eq!(Yuan::parse("-5"), Err(MoneyError::Negative));
        assert_eq!(Yuan::parse("abc"), Err(MoneyError::Format));
        assert_eq!(Yuan::parse(""), Err(MoneyError::Format));
    }

    #[test]
    fn display_is_exact_and_grouped() {
        let y = Yuan::from_fen(123_456_789);
        assert_eq!(y.to_string(), "1234567.89");
        assert_eq!(y.grouped(), "1,234,567.89");
        assert_eq!(Yuan::from_yuan(1_205_000).wan(), "120.50");
    }

    #[test]
    fn basis_points_round_down() {
        assert_eq!(
            Yuan::from_yuan(5).basis_points_of(Yuan::from_yuan(100)),
            Some(500)
        );
        assert_eq!(
            Yuan::from_fen(1).basis_points_of(Yuan::from_yuan(1000)),
            Some(0)
        );
        assert_eq!(Yuan::from_yuan(1).basis_points_of(Yuan::ZERO), None);
    }
}
