//! Pages for window clerks and reviewers, signed in: the queue of their tasks, a case with
//! the actions its step offers, and the notices the law requires in writing. What a clerk
//! sees and may do is the API's answer (`tasks`, `case { operations tasks { actions } }`);
//! the page only draws it.

pub mod act;
pub mod case;
pub mod notices;
pub mod queue;
pub mod slots;
