//! Entra federated identity credentials and Azure role assignments.

/// The Entra federated identity credentials and Azure role assignments one file declares.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AzureResources {}

impl AzureResources {
    /// Whether the file declares none.
    pub fn is_empty(&self) -> bool {
        true
    }
}

/// Reads the relying parties the commands of a shell script (a `*.sh` file or a CI
/// job's script) declare into `out`.
pub fn read_commands(
    _commands: &[crate::script::Command],
    _out: &mut AzureResources,
    _problems: &mut Vec<crate::problem::Problem>,
) {
}
