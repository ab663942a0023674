// tarmac-init: PID 1 of every Tarmac microVM. See GuestInit.
GuestInit().run()
