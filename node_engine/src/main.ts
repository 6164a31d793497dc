import 'reflect-metadata';
import { buildCli } from './cli/cli';

void buildCli().parseAsync(process.argv);
