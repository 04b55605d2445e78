import baseConfig, { typeCheckedServerConfig } from '../../eslint.config.mjs';

export default [...baseConfig, ...typeCheckedServerConfig(['**/*.{ts,cts}'])];
