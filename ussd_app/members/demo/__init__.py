"""The demo data set: its showcase members, the generator, the files and seeding."""
