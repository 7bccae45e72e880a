"""Hall hardware only: printers, one RS-485 line for LED strips, keypads and evaluators, the ID card
reader, the QR scanners, cameras, voice. Each family has a virtual backend that speaks its wire
protocol (pty pairs, TCP, video files). No Qt, no MQTT: applications put devices on the bus."""
