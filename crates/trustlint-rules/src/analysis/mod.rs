//! Analyses shared by rules: IAM pattern reasoning and the GitLab `sub` claim grammar.
