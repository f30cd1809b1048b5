"""Pure text helpers shared by the engine, SMS and the console: encodings, phone numbers."""
