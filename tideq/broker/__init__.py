"""The hall broker: per-identity logins and ACL for Mosquitto (`tideq acl`), and the embedded broker."""
