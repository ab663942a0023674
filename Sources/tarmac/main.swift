import TarmacCLI

await TarmacMain.run()
