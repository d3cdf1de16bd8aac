//go:build race

package parse_test

// The race detector multiplies memory and time: heap bounds measured
// under it say nothing about the parser.
const raceEnabled = true
