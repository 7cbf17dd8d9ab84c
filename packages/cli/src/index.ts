export { main, EXIT } from './cli.js';
