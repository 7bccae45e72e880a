"""Qt pieces shared by kiosk, display and counter: the bus bridge, fonts, theme, screenshots."""
