/** A function of the app's own, invoked by the Score workflow's lambda:invoke state. */
class ScoreTooLow extends Error {
  name = 'ScoreTooLow';
}

export const handler = async (event) => {
  if (event.amount < 0) throw new ScoreTooLow(`amount ${event.amount} is below zero`);
  return { score: event.amount * 2 };
};
