/**
 * Published worked examples for close-only indicators. Nothing here was computed by us.
 *
 * MOVAVG: StockCharts ChartSchool, "Moving Averages - Simple and Exponential", worked-example
 *   spreadsheet cs-movavg.xls: 30 closes (4-decimal, as in the spreadsheet) and the published
 *   10-day SMA and 10-day EMA (EMA seeded with the first 10-day SMA, multiplier 2/(10+1)),
 *   rounded to 2 decimals as printed in the article's table.
 * RSI: StockCharts ChartSchool, "Relative Strength Index (RSI)", worked-example spreadsheet
 *   cs-rsi.xls (Wilder's RSI(14), first average = simple mean of 14 gains/losses, then
 *   Wilder smoothing): 33 closes and the published RSI values from the 15th close on,
 *   rounded to 2 decimals as printed.
 * Both tables are reproduced identically in several independent public test suites
 *   (e.g. the "ta" and "gekko" projects cite the same StockCharts pages).
 */
export const MOVAVG_CLOSES = [
  22.2734, 22.194, 22.0847, 22.1741, 22.184, 22.1344, 22.2337, 22.4323, 22.2436, 22.2933, 22.1542, 22.3926, 22.3816,
  22.6109, 23.3558, 24.0519, 23.753, 23.8324, 23.9516, 23.6338, 23.8225, 23.8722, 23.6537, 23.187, 23.0976, 23.326,
  22.6805, 23.0976, 22.4025, 22.1725,
];
/** 10-day SMA, one value per close from the 10th close (index 9) on. */
export const MOVAVG_SMA10 = [
  22.22, 22.21, 22.23, 22.26, 22.31, 22.42, 22.61, 22.77, 22.91, 23.08, 23.21, 23.38, 23.53, 23.65, 23.71, 23.69, 23.61,
  23.51, 23.43, 23.28, 23.13,
];
/** 10-day EMA, one value per close from the 10th close (index 9) on. */
export const MOVAVG_EMA10 = [
  22.22, 22.21, 22.24, 22.27, 22.33, 22.52, 22.8, 22.97, 23.13, 23.28, 23.34, 23.43, 23.51, 23.54, 23.47, 23.4, 23.39,
  23.26, 23.23, 23.08, 22.92,
];

export const RSI_CLOSES = [
  44.3389, 44.0902, 44.1497, 43.6124, 44.3278, 44.8264, 45.0955, 45.4245, 45.8433, 46.0826, 45.8931, 46.0328, 45.614,
  46.282, 46.282, 46.0028, 46.0328, 46.4116, 46.2222, 45.6439, 46.2122, 46.2521, 45.7137, 46.4515, 45.7835, 45.3548,
  44.0288, 44.1783, 44.2181, 44.5672, 43.4205, 42.6628, 43.1314,
];
/** RSI(14), one value per close from the 15th close (index 14) on. */
export const RSI14 = [
  70.53, 66.32, 66.55, 69.41, 66.36, 57.97, 62.93, 63.26, 56.06, 62.38, 54.71, 50.42, 39.99, 41.46, 41.87, 45.46, 37.3,
  33.08, 37.77,
];
