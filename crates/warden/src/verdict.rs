//! The inline verdict of one packet, as the offline `--simulate-ips` run
//! and the live inline bridge both apply it: the worker decides
//! (`Worker::verdict` in `run.rs`), this type carries the decision to
//! whoever holds the frame.

use warden_detect::SigAction;

/// What happens to the frame just inspected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Forward it.
    Accept,
    /// Discard it (and, decided by the worker, the rest of its flow).
    Drop,
    /// Discard it and answer with TCP RST / ICMP unreachable.
    Reject {
        /// Towards the sender of the packet (`reject`, `rejectsrc`,
        /// `rejectboth`).
        to_source: bool,
        /// Towards its receiver (`rejectdst`, `rejectboth`).
        to_destination: bool,
    },
}

impl Verdict {
    /// The verdict a fired rule's action asks for (Suricata's semantics:
    /// `reject` and `rejectsrc` answer the sender only).
    pub(crate) fn of_action(action: SigAction) -> Verdict {
        match action {
            SigAction::Drop => Verdict::Drop,
            SigAction::Reject => Verdict::Reject {
                to_source: true,
                to_destination: false,
            },
            SigAction::RejectDst => Verdict::Reject {
                to_source: false,
                to_destination: true,
            },
            SigAction::RejectBoth => Verdict::Reject {
                to_source: true,
                to_destination: true,
            },
            SigAction::Pass | SigAction::Alert => Verdict::Accept,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reject_actions_choose_their_ends() {
        assert_eq!(
            Verdict::of_action(SigAction::Reject),
            Verdict::Reject {
                to_source: true,
                to_destination: false
            }
        );
        assert_eq!(
            Verdict::of_action(SigAction::RejectDst),
            Verdict::Reject {
                to_source: false,
                to_destination: true
            }
        );
        assert_eq!(
            Verdict::of_action(SigAction::RejectBoth),
            Verdict::Reject {
                to_source: true,
                to_destination: true
            }
        );
    }
}
