//! [`Spanned`]: a value of a typed model together with the [`Span`] where it is written,
//! so every finding about it can point at the exact text.

use std::fmt;

use crate::source::Span;
use crate::tree::Node;

/// A value and the span of the text it was read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

impl<T> Spanned<T> {
    pub fn new(value: T, span: Span) -> Self {
        Spanned { value, span }
    }

    /// The same span around a borrowed value.
    pub fn as_ref(&self) -> Spanned<&T> {
        Spanned {
            value: &self.value,
            span: self.span,
        }
    }

    /// The same span around a transformed value.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Spanned<U> {
        Spanned {
            value: f(self.value),
            span: self.span,
        }
    }
}

impl Spanned<String> {
    pub fn as_str(&self) -> &str {
        &self.value
    }
}

impl<T: fmt::Display> fmt::Display for Spanned<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.value.fmt(f)
    }
}

/// A scalar of the spanned tree as a [`Spanned`] string (`None` for maps, lists and null).
pub(crate) fn spanned_text(node: &Node) -> Option<Spanned<String>> {
    node.scalar_text().map(|text| Spanned::new(text, node.span))
}
