"""What the tests share that is not a fixture: builds, paths, ports, servers, the browser."""
