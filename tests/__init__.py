"""The handbook's tests, by wing: library, sandbox, receiver, book and site; support/ beside them."""
