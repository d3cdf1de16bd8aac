// Package browsertest drives the editors' page (/admin) in a real headless
// Chromium. It holds only tests; it is its own package so that the
// chromedp dependency and the browser stay out of the admin package's
// quick tests.
package browsertest
