const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const DAY_NAMES: Record<string, number> = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const NICKNAMES: Record<string, string> = {
  '@yearly': 'Once a year, on 1 January at 00:00',
  '@annually': 'Once a year, on 1 January at 00:00',
  '@monthly': 'On the 1st of every month at 00:00',
  '@weekly': 'Every Sunday at 00:00',
  '@daily': 'Every day at 00:00',
  '@midnight': 'Every day at 00:00',
  '@hourly': 'Every hour, on the hour',
};

const isNumber = (f: string) => /^\d+$/.test(f);
const inRange = (f: string, max: number) => isNumber(f) && Number(f) <= max;
const pad = (f: string) => f.padStart(2, '0');

function weekdays(field: string): string | undefined {
  const day = (token: string): string | undefined => {
    const n = isNumber(token) ? Number(token) : DAY_NAMES[token.toLowerCase()];
    return n !== undefined && n <= 7 ? WEEKDAYS[n] : undefined;
  };
  const parts = field.split(',').map((part) => {
    const range = part.split('-');
    if (range.length === 2) {
      const [a, b] = range.map(day);
      return a && b ? `${a} to ${b}` : undefined;
    }
    return day(part);
  });
  return parts.every((p) => p !== undefined) ? parts.join(', ') : undefined;
}

function month(field: string): string | undefined {
  return isNumber(field) && Number(field) >= 1 && Number(field) <= 12 ? MONTHS[Number(field) - 1] : undefined;
}

/**
 * A plain-English reading of a cron expression (minute hour day month weekday, optionally
 * seconds first), for a hint under the field; the server (croner) has the last word on validity.
 */
export function describeCron(expression: string): string {
  const text = expression.trim();
  if (text === '') return 'No scheduled runs.';
  const nickname = NICKNAMES[text.toLowerCase()];
  if (nickname) return `${nickname}.`;
  const fields = text.split(/\s+/);
  if (fields.length < 5 || fields.length > 7) return 'Five fields: minute hour day-of-month month weekday.';
  const [minute, hour, dom, mon, dow] = fields.length >= 6 ? fields.slice(1) : fields;
  const second = fields.length >= 6 ? fields[0] : '0';

  let time: string | undefined;
  if (inRange(minute, 59) && inRange(hour, 23) && (second === '0' || second === '00'))
    time = `at ${pad(hour)}:${pad(minute)}`;
  else if (minute === '*' && hour === '*') time = second === '0' || second === '*' ? 'every minute' : undefined;
  else if (/^\*\/\d+$/.test(minute) && hour === '*') time = `every ${minute.slice(2)} minutes`;
  else if (inRange(minute, 59) && hour === '*') time = `every hour at minute ${minute}`;
  else if (inRange(minute, 59) && /^\*\/\d+$/.test(hour)) time = `every ${hour.slice(2)} hours at minute ${minute}`;

  let days: string | undefined;
  if (dom === '*' && dow === '*') days = 'every day';
  else if (dom === '*' && weekdays(dow)) days = `every ${weekdays(dow)}`;
  else if (inRange(dom, 31) && Number(dom) >= 1 && dow === '*') days = `on day ${dom} of the month`;

  let months: string | undefined;
  if (mon === '*') months = '';
  else if (month(mon)) months = ` in ${month(mon)}`;

  if (time && days && months !== undefined) {
    const sentence = time.startsWith('at') ? `${days} ${time}${months}` : `${time}, ${days}${months}`;
    return `${sentence.charAt(0).toUpperCase()}${sentence.slice(1)}.`;
  }
  const named = [
    ...(fields.length >= 6 ? [`second ${second}`] : []),
    `minute ${minute}`,
    `hour ${hour}`,
    `day of month ${dom}`,
    `month ${mon}`,
    `weekday ${dow}`,
  ];
  return `${named.join(', ')}.`;
}
