import { z } from 'zod';

/**
 * The words people give a video. PostgreSQL's text holds no NUL, and a title
 * is one line: control characters are refused (400) rather than stored or
 * failing the database; a description keeps its tabs and line breaks.
 */
export const titleText = z.string().max(200).regex(/^[^\u0000-\u001f\u007f]*$/, 'no control characters');
export const descriptionText = z.string().max(5000).regex(/^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]*$/, 'no control characters but tabs and line breaks');
