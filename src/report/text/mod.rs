//! Text for people at a terminal: one printer per command, each laid out
//! for the view's width ([`super::layout`]), painted only when color is on
//! (`super::style`), and every string from outside shown through the one
//! terminal escape ([`super::escape`]).
//!
//! Why one folder: the text is what most people read, and its layout rules
//! (wrap at the width, a grid that drops optional columns, a reason under
//! its row) are shared by every command. The words a command's verdicts are
//! said in live here too, so the Markdown, JUnit and HTML printers reuse
//! them instead of saying the same thing another way.

pub mod demo;
pub mod diagnose;
pub mod matrix;
pub mod observe;
pub mod plan;
pub mod profiles;
pub mod scan;
pub mod serve;
pub mod whatif;
