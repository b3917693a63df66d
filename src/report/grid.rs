//! The one table builder: every table of every subcommand (triage,
//! history, check, probe, rules) is made here, so they share one header
//! style and one width rule.
//!
//! Guarantees:
//! - the table is at most [`Style::width`] columns wide (the terminal's, or
//!   `COLUMNS`, else 100) when its unbreakable cells allow it;
//! - a column marked [`Keep::Whole`] (run ids, the argument of an
//!   `explain`) is never cut and never broken inside a word: it wraps only
//!   between words, and its narrowest width is its longest word;
//! - a column that wraps is never narrower than its longest word or
//!   [`MIN_WRAP`], whichever is less, where the whole columns leave that
//!   room, nor wider than its longest line (or its [`Col::at_most`]): the
//!   room goes to the columns that need it;
//! - every cell is sanitised ([`text::clean`]) before it is measured, so an
//!   escape sequence from an input can neither drive the terminal nor
//!   break the layout; a newline in a name does not split a row.

use comfy_table::{
    Attribute, Cell, CellAlignment, Color, ColumnConstraint, ContentArrangement, Table, Width,
    presets,
};

use std::borrow::Cow;

use super::Style;
use super::text;
use crate::model::Class;

/// How a column treats text that does not fit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Keep {
    /// Never cut; wraps between words only.
    Whole,
    /// Wraps where it must.
    Wrap,
}

/// One column.
#[derive(Clone, Debug)]
pub struct Col {
    pub header: Cow<'static, str>,
    pub keep: Keep,
    pub right: bool,
    /// The widest a wrapping column is made.
    pub most: Option<usize>,
}

impl Col {
    pub fn whole(header: impl Into<Cow<'static, str>>) -> Col {
        Col {
            header: header.into(),
            keep: Keep::Whole,
            right: false,
            most: None,
        }
    }

    pub fn wrap(header: impl Into<Cow<'static, str>>) -> Col {
        Col {
            header: header.into(),
            keep: Keep::Wrap,
            right: false,
            most: None,
        }
    }

    pub fn right(mut self) -> Col {
        self.right = true;
        self
    }

    /// A wrapping column at most `width` characters wide, so the room
    /// goes to another.
    pub fn at_most(mut self, width: usize) -> Col {
        self.most = Some(width);
        self
    }
}

/// The narrowest a wrapping column is made, in characters, when its
/// words are that long.
const MIN_WRAP: usize = 12;

/// A row: its cells, and the cell coloured by a class.
type Row = (Vec<String>, Option<(usize, Class)>);

/// A table being built.
pub struct Grid {
    cols: Vec<Col>,
    rows: Vec<Row>,
    style: Style,
}

impl Grid {
    pub fn new(cols: Vec<Col>, style: Style) -> Grid {
        Grid {
            cols,
            rows: Vec::new(),
            style,
        }
    }

    /// A row of cells (text from inputs welcome: it is cleaned here).
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push((cells, None));
    }

    /// A row whose cell `col` is coloured by `class`.
    pub fn row_class(&mut self, cells: Vec<String>, col: usize, class: Class) {
        self.rows.push((cells, Some((col, class))));
    }

    /// The table as text, each line ending in a newline.
    pub fn render(&self) -> String {
        let mut t = table(self.style);
        t.set_header(self.cols.iter().map(|c| {
            let cell = Cell::new(&c.header);
            if self.style.color {
                cell.add_attribute(Attribute::Bold)
            } else {
                cell
            }
        }));
        let cleaned: Vec<Vec<String>> = self
            .rows
            .iter()
            .map(|(cells, _)| cells.iter().map(|c| text::clean(c)).collect())
            .collect();
        for ((_, class), cells) in self.rows.iter().zip(&cleaned) {
            let row: Vec<Cell> = cells
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let mut cell = Cell::new(c);
                    if self.cols.get(i).is_some_and(|col| col.right) {
                        cell = cell.set_alignment(CellAlignment::Right);
                    }
                    match class {
                        Some((col, cls)) if *col == i && self.style.color => cell.fg(color(*cls)),
                        _ => cell,
                    }
                })
                .collect();
            t.add_row(row);
        }
        // A whole column is at least as wide as its longest word; one that
        // wraps, as its longest word up to [`MIN_WRAP`] and as far as the
        // whole ones leave room (else they take the width and it is left
        // one letter wide), and no wider than its longest line.
        let column = |i: usize| cleaned.iter().filter_map(move |r| r.get(i));
        let words: Vec<usize> = (self.cols.iter().enumerate())
            .map(|(i, col)| {
                (column(i).flat_map(|cell| cell.split_whitespace()))
                    .chain([col.header.as_ref()])
                    .map(text::width)
                    .max()
                    .unwrap_or(1)
            })
            .collect();
        // A column's constraint is its text's width and two, and its
        // padding two more.
        let whole: usize = (self.cols.iter().zip(&words))
            .filter(|(c, _)| c.keep == Keep::Whole)
            .map(|(_, w)| w + 4)
            .sum();
        let wrapping = self.cols.iter().filter(|c| c.keep == Keep::Wrap).count();
        let room = (self.style.width.saturating_sub(whole) / wrapping.max(1)).saturating_sub(4);
        let fixed = |w: usize| Width::Fixed(u16::try_from(w + 2).unwrap_or(u16::MAX));
        for (i, col) in self.cols.iter().enumerate() {
            let constraint = match col.keep {
                Keep::Whole => ColumnConstraint::LowerBoundary(fixed(words[i])),
                Keep::Wrap => {
                    let line = (column(i).flat_map(|cell| cell.lines()))
                        .chain([col.header.as_ref()])
                        .map(text::width)
                        .max()
                        .unwrap_or(1);
                    let lower = words[i].min(MIN_WRAP).min(room).max(1);
                    let upper = line.min(col.most.unwrap_or(usize::MAX)).max(lower);
                    ColumnConstraint::Boundaries {
                        lower: fixed(lower),
                        upper: fixed(upper),
                    }
                }
            };
            if let Some(column) = t.column_mut(i) {
                column.set_constraint(constraint);
            }
        }
        let mut out = t.to_string();
        out.push('\n');
        out
    }
}

/// The comfy-table under every [`Grid`]: one preset, width and colour
/// rule.
fn table(style: Style) -> Table {
    let mut t = Table::new();
    t.load_style(presets::UTF8_HORIZONTAL_ONLY)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(u16::try_from(style.width).unwrap_or(u16::MAX));
    if style.color {
        t.enforce_styling();
    } else {
        t.force_no_tty();
    }
    t
}

fn color(class: Class) -> Color {
    match class {
        Class::Flake => Color::Yellow,
        Class::RecipeDefect => Color::Red,
        Class::StaleOverlay => Color::Magenta,
        Class::RoutingCollision => Color::Cyan,
        Class::Harness => Color::Blue,
        Class::Unknown => Color::Reset,
    }
}

/// The width for a table: the terminal's when stdout is one, else
/// `COLUMNS` when set, else 100 (interface.md). Never under 40.
pub fn width(is_tty: bool) -> usize {
    let from_tty = if is_tty {
        terminal_size::terminal_size().map(|(w, _)| usize::from(w.0))
    } else {
        None
    };
    from_tty
        .or_else(|| {
            std::env::var("COLUMNS")
                .ok()
                .and_then(|c| c.trim().parse::<usize>().ok())
        })
        .unwrap_or(100)
        .max(40)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fits_the_width_and_never_cuts_a_whole_column() {
        let mut g = Grid::new(
            vec![Col::whole("run"), Col::wrap("cause")],
            Style::plain(60),
        );
        g.row(vec![
            "sweep-20260614-bluesky-pds".into(),
            "a cause long enough to wrap over several lines of this narrow table, then some more"
                .into(),
        ]);
        let out = g.render();
        for line in out.lines() {
            assert!(text::width(line) <= 60, "{line}");
        }
        assert!(out.contains("sweep-20260614-bluesky-pds"), "{out}");
    }

    #[test]
    fn escapes_in_cells_never_reach_the_terminal() {
        let mut g = Grid::new(vec![Col::wrap("name")], Style::plain(40));
        g.row(vec!["evil\u{1b}]52;c;aGk=\u{7}\u{1b}[2Jname\u{9b}x".into()]);
        let out = g.render();
        assert!(
            !out.contains('\u{1b}') && !out.contains('\u{9b}') && !out.contains('\u{7}'),
            "{out:?}"
        );
    }
}
