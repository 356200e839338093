// A test page module.
export default function register(ui) {}
