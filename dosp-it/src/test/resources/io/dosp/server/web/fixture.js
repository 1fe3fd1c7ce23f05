// a web file of the tests, served by the WebSocket port like the real ones
export const fixture = 42;
