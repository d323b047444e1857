/**
 * exceljs is a dependency of the server, not of the workspace root the tests resolve from: the tests that build and
 * read workbooks reach it through the server's package, the very copy the server uses.
 */
import ExcelJS from '../../server/node_modules/exceljs';

export default ExcelJS;
