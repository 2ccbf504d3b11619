"""The runtimes a shell-target script can run its steps with (chosen when it runs)."""

RUNTIMES = ("host", "docker", "podman")
