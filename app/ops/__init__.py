"""Operations run from the `patrol` command, on any app machine: retention, backup, restore."""
