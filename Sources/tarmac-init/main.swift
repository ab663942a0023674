// Placeholder until the guest init lands; see GuestInit.
print("tarmac-init")
