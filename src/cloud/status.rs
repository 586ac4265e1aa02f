//! The states the API reports as bare numbers or strings, as enums: code
//! compares these, never literals.

use serde::{Deserialize, Serialize};

/// A CLB asynchronous task, as `DescribeTaskStatus` reports it (`Status`:
/// 0 succeeded, 1 failed, 2 running).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ClbTask {
    Succeeded,
    Failed,
    Running,
}

impl ClbTask {
    /// From the API's number; a missing or unknown one is taken as still
    /// running (the waiter's deadline ends a task that never reports).
    pub fn from_api(status: Option<i64>) -> ClbTask {
        match status {
            Some(0) => ClbTask::Succeeded,
            Some(1) => ClbTask::Failed,
            _ => ClbTask::Running,
        }
    }

    pub fn is_over(self) -> bool {
        self != ClbTask::Running
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_api_numbers() {
        assert_eq!(ClbTask::from_api(Some(0)), ClbTask::Succeeded);
        assert_eq!(ClbTask::from_api(Some(1)), ClbTask::Failed);
        assert_eq!(ClbTask::from_api(Some(2)), ClbTask::Running);
        assert_eq!(ClbTask::from_api(None), ClbTask::Running);
        assert!(ClbTask::Failed.is_over() && !ClbTask::Running.is_over());
    }
}
