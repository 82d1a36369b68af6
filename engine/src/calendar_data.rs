//! The official holiday notices, compiled into the binary from `workflows/calendars`.

/// The notices for 2019-2026 in the holiday-cn JSON format, one per notice year.
pub const NOTICES: &[&str] = &[
    include_str!("../../workflows/calendars/cn-statutory/2019.json"),
    include_str!("../../workflows/calendars/cn-statutory/2020.json"),
    include_str!("../../workflows/calendars/cn-statutory/2021.json"),
    include_str!("../../workflows/calendars/cn-statutory/2022.json"),
    include_str!("../../workflows/calendars/cn-statutory/2023.json"),
    include_str!("../../workflows/calendars/cn-statutory/2024.json"),
    include_str!("../../workflows/calendars/cn-statutory/2025.json"),
    include_str!("../../workflows/calendars/cn-statutory/2026.json"),
];
