// A behaviour module that fails to load, for the test of a host that cannot start.
throw new Error('this behaviour module is broken on purpose');
