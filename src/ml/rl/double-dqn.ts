/**
 * The double-DQN regression target (van Hasselt et al., 2016):
 *   y = r + γ · (1 − done) · Q_target(s', argmax_a Q_online(s', a)).
 * The online network CHOOSES the next action and the target network EVALUATES it: taking
 * the max of one network's own noisy estimates (plain DQN) systematically overestimates Q.
 * On a terminal transition (the last step of the part, where no next window exists) there
 * is nothing to bootstrap from.
 */
import * as tf from '@tensorflow/tfjs';
import { NUM_ACTIONS } from './trading-env';

/**
 * @param qNextOnline [batch, 3] online network on s'
 * @param qNextTarget [batch, 3] target network on s'
 * @param rewards [batch]
 * @param dones [batch], 1 for terminal transitions
 * @returns [batch] targets (a new tensor; the inputs are not disposed)
 */
export function doubleDqnTargets(
  qNextOnline: tf.Tensor2D,
  qNextTarget: tf.Tensor2D,
  rewards: tf.Tensor1D,
  dones: tf.Tensor1D,
  gamma: number,
): tf.Tensor1D {
  return tf.tidy(() => {
    const choice = tf.oneHot(tf.argMax<tf.Tensor1D>(qNextOnline, 1), NUM_ACTIONS).toFloat();
    const evaluated = tf.sum(tf.mul(qNextTarget, choice), 1);
    const notDone = tf.sub(1, dones);
    return tf.add<tf.Tensor1D>(rewards, tf.mul(tf.mul(evaluated, notDone), gamma));
  });
}

/** Q(s, a) of the actions taken: [batch, 3] × actions [batch] → [batch]. */
export function chosenQ(q: tf.Tensor2D, actions: tf.Tensor1D): tf.Tensor1D {
  return tf.tidy(() => tf.sum<tf.Tensor1D>(tf.mul(q, tf.oneHot(actions, NUM_ACTIONS).toFloat()), 1));
}
